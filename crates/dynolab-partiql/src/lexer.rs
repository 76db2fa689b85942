//! Tokens of DynamoDB's PartiQL: bare and double-quoted identifiers, single-quoted strings
//! (`''` escapes a quote), numbers, `?`, punctuation, and `--` / `/* */` comments.

use crate::error::{PartiqlError, malformed};

#[derive(Clone, PartialEq, Debug)]
pub enum Tok {
    /// A bare identifier or keyword, as written.
    Ident(String),
    /// A double-quoted identifier (never a keyword).
    Quoted(String),
    /// A single-quoted string literal.
    Str(String),
    /// A number literal, as written.
    Num(String),
    /// `?`
    Param,
    /// Punctuation and operators.
    Sym(&'static str),
    Eof,
}

impl Tok {
    /// Whether this is the keyword `kw` (case-insensitive, bare identifiers only).
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(self, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }
}

const SYMBOLS: &[&str] = &[
    "<<", ">>", "<>", "!=", "<=", ">=", "=", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", ":",
    "*", "+", "-", ";",
];

/// Splits a statement into tokens, ending with [`Tok::Eof`].
pub fn tokenize(text: &str) -> Result<Vec<Tok>, PartiqlError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            let mut j = i + 2;
            loop {
                if j + 1 >= chars.len() {
                    return Err(malformed(""));
                }
                if chars[j] == '*' && chars[j + 1] == '/' {
                    break;
                }
                j += 1;
            }
            i = j + 2;
            continue;
        }
        if c == '\'' || c == '"' {
            let mut s = String::new();
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err(malformed("")),
                    Some(&q) if q == c => {
                        if chars.get(j + 1) == Some(&c) {
                            s.push(c);
                            j += 2;
                        } else {
                            break;
                        }
                    }
                    Some(&o) => {
                        s.push(o);
                        j += 1;
                    }
                }
            }
            out.push(if c == '\'' {
                Tok::Str(s)
            } else {
                Tok::Quoted(s)
            });
            i = j + 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                }
            }
            out.push(Tok::Num(chars[start..i].iter().collect()));
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
            continue;
        }
        if c == '?' {
            out.push(Tok::Param);
            i += 1;
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        match SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
            Some(s) => {
                out.push(Tok::Sym(s));
                i += s.len();
            }
            None => return Err(malformed("")),
        }
    }
    out.push(Tok::Eof);
    Ok(out)
}
