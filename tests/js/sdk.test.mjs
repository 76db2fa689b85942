// The AWS SDK for JavaScript v3 (@aws-sdk/client-dynamodb and @aws-sdk/lib-dynamodb, from npm)
// against `dynolab serve` on a virtual clock: the core item operations through the document
// client, a transaction cancelled by its condition, a batch whose throttled part comes back as
// UnprocessedItems, and a throttled write, each checked through the SDK's own error classes and
// ThrottlingReasons. The server is the binary in DYNOLAB_BIN (default target/debug/dynolab).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";

import {
  DynamoDBClient,
  CreateTableCommand,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  PutCommand,
  GetCommand,
  UpdateCommand,
  QueryCommand,
  DeleteCommand,
  TransactWriteCommand,
  BatchWriteCommand,
} from "@aws-sdk/lib-dynamodb";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const binary = process.env.DYNOLAB_BIN || path.join(root, "target", "debug", "dynolab");

let server;
let endpoint;
let client;
let doc;

before(async () => {
  server = spawn(binary, ["serve", "--in-memory", "--clock", "virtual", "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const firstLine = await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.once("exit", (code) => reject(new Error(`dynolab exited with status ${code}`)));
    createInterface({ input: server.stdout }).once("line", resolve);
  });
  endpoint = firstLine.split(" ").find((w) => w.startsWith("http://"));
  client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    // On a virtual clock a retry's wait cannot refill capacity: one attempt, and the test sees
    // the throttle.
    maxAttempts: 1,
  });
  doc = DynamoDBDocumentClient.from(client);
});

after(() => {
  client?.destroy();
  server?.kill();
});

async function createTable(name, throughput) {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: "PK", AttributeType: "S" },
        { AttributeName: "SK", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "PK", KeyType: "HASH" },
        { AttributeName: "SK", KeyType: "RANGE" },
      ],
      ...(throughput
        ? { ProvisionedThroughput: { ReadCapacityUnits: throughput, WriteCapacityUnits: throughput } }
        : { BillingMode: "PAY_PER_REQUEST" }),
    }),
  );
}

async function advance(seconds) {
  const response = await fetch(`${endpoint}/_dynolab/clock/advance`, {
    method: "POST",
    body: JSON.stringify({ seconds }),
  });
  assert.equal(response.status, 200);
}

test("core item operations through the document client", async () => {
  await createTable("js_orders");
  const put = await doc.send(
    new PutCommand({
      TableName: "js_orders",
      Item: { PK: "USER#1", SK: "ORDER#2", amount: 42, tags: new Set(["a", "b"]), lines: [{ sku: "x", qty: 2 }] },
      ReturnConsumedCapacity: "TOTAL",
    }),
  );
  assert.equal(put.ConsumedCapacity.CapacityUnits, 1);
  await doc.send(new PutCommand({ TableName: "js_orders", Item: { PK: "USER#1", SK: "ORDER#1", amount: 7 } }));

  const got = await doc.send(new GetCommand({ TableName: "js_orders", Key: { PK: "USER#1", SK: "ORDER#2" } }));
  assert.deepEqual(got.Item.lines, [{ sku: "x", qty: 2 }]);
  assert.deepEqual([...got.Item.tags].sort(), ["a", "b"]);

  const updated = await doc.send(
    new UpdateCommand({
      TableName: "js_orders",
      Key: { PK: "USER#1", SK: "ORDER#2" },
      UpdateExpression: "SET amount = amount + :d",
      ExpressionAttributeValues: { ":d": 8 },
      ReturnValues: "UPDATED_NEW",
    }),
  );
  assert.equal(updated.Attributes.amount, 50);

  const newestFirst = await doc.send(
    new QueryCommand({
      TableName: "js_orders",
      KeyConditionExpression: "PK = :pk AND begins_with(SK, :o)",
      ExpressionAttributeValues: { ":pk": "USER#1", ":o": "ORDER#" },
      ScanIndexForward: false,
    }),
  );
  assert.deepEqual(newestFirst.Items.map((i) => i.SK), ["ORDER#2", "ORDER#1"]);

  await doc.send(new DeleteCommand({ TableName: "js_orders", Key: { PK: "USER#1", SK: "ORDER#1" } }));
  const gone = await doc.send(new GetCommand({ TableName: "js_orders", Key: { PK: "USER#1", SK: "ORDER#1" } }));
  assert.equal(gone.Item, undefined);
});

test("a transaction whose condition fails is cancelled with its reasons", async () => {
  await createTable("js_accounts");
  await doc.send(new PutCommand({ TableName: "js_accounts", Item: { PK: "A", SK: "BAL", balance: 10 } }));
  await doc.send(new PutCommand({ TableName: "js_accounts", Item: { PK: "B", SK: "BAL", balance: 0 } }));
  const transfer = (amount) =>
    doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: "js_accounts",
              Key: { PK: "A", SK: "BAL" },
              UpdateExpression: "SET balance = balance - :n",
              ConditionExpression: "balance >= :n",
              ExpressionAttributeValues: { ":n": amount },
            },
          },
          {
            Update: {
              TableName: "js_accounts",
              Key: { PK: "B", SK: "BAL" },
              UpdateExpression: "SET balance = balance + :n",
              ExpressionAttributeValues: { ":n": amount },
            },
          },
        ],
      }),
    );
  await transfer(6);
  await assert.rejects(transfer(6), (error) => {
    assert.ok(error instanceof TransactionCanceledException, error.name);
    assert.deepEqual(
      error.CancellationReasons.map((r) => r.Code),
      ["ConditionalCheckFailed", "None"],
    );
    return true;
  });
  const a = await doc.send(new GetCommand({ TableName: "js_accounts", Key: { PK: "A", SK: "BAL" } }));
  const b = await doc.send(new GetCommand({ TableName: "js_accounts", Key: { PK: "B", SK: "BAL" } }));
  assert.deepEqual([a.Item.balance, b.Item.balance], [4, 6]);
});

test("throttling: UnprocessedItems from a batch, then ProvisionedThroughputExceededException", async () => {
  // 1 WCU banks 300 seconds of burst: 300 writes of 1 KB, then nothing until the clock moves.
  await createTable("js_tiny", 1);
  const item = (n) => ({ PutRequest: { Item: { PK: "hot", SK: `${n}`.padStart(4, "0"), pad: "x".repeat(900) } } });
  let written = 0;
  let unprocessed = [];
  for (let batch = 0; batch < 14 && unprocessed.length === 0; batch++) {
    const size = batch < 11 ? 25 : 10; // 275 + 10 + 10 = 295 units, then 5 left for 25 items
    const requests = Array.from({ length: size }, (_, i) => item(written + i));
    const answer = await doc.send(new BatchWriteCommand({ RequestItems: { js_tiny: requests } }));
    unprocessed = answer.UnprocessedItems?.js_tiny ?? [];
    written += size - unprocessed.length;
  }
  assert.ok(unprocessed.length > 0 && unprocessed.length < 25, `${unprocessed.length} unprocessed`);
  assert.ok(written >= 290 && written <= 300, `${written} written`);

  await assert.rejects(doc.send(new PutCommand({ TableName: "js_tiny", Item: item(9999).PutRequest.Item })), (error) => {
    assert.ok(error instanceof ProvisionedThroughputExceededException, error.name);
    assert.equal(error.$metadata.httpStatusCode, 400);
    assert.deepEqual(
      error.ThrottlingReasons.map((r) => r.reason),
      ["TableWriteProvisionedThroughputExceeded"],
    );
    assert.match(error.ThrottlingReasons[0].resource, /:table\/js_tiny$/);
    return true;
  });

  // Ten seconds later ten units have refilled: the unprocessed items go through.
  await advance(unprocessed.length);
  const retried = await doc.send(new BatchWriteCommand({ RequestItems: { js_tiny: unprocessed } }));
  assert.deepEqual(retried.UnprocessedItems ?? {}, {});
});
