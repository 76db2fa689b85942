# dynolab in a container: a drop-in for amazon/dynamodb-local (docs/container.md).
#   docker build -t dynolab .
#   docker run -p 8000:8000 -v dynolab-data:/data dynolab
# Build stage: the toolchain rust-toolchain.toml pins, the release binary from Cargo.lock.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin dynolab \
    && strip --strip-debug target/release/dynolab \
    && cp target/release/dynolab /dynolab \
    && mkdir /data

# Final stage: glibc, CA certificates and nothing else (no shell); runs as uid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /dynolab /usr/local/bin/dynolab
COPY --from=build --chown=65532:65532 /data /data
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/dynolab", "ping", "--endpoint", "http://127.0.0.1:8000"]
ENTRYPOINT ["/usr/local/bin/dynolab"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--data-dir", "/data"]
