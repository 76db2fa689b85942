//! Lexer: splits expression text into tokens with byte spans, so syntax errors can quote the
//! offending token and its neighbours the way DynamoDB does.

/// What a token is. Keywords (`AND`, `SET`, ...) are plain identifiers here; the parser
/// recognises them case-insensitively where the grammar allows them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Tok {
    /// `[A-Za-z_][A-Za-z0-9_]*`
    Ident(String),
    /// `#name`
    NamePh(String),
    /// `:value`
    ValuePh(String),
    /// A run of digits (only meaningful as a list index).
    Number(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    /// Anything else (a lone `#`, `:`, `$`, ...), kept so the parser can report it.
    Other(String),
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_part(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Tokenises `text`. Never fails: unknown characters become [`Tok::Other`].
pub fn lex(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(p, _)| p);
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let run = |mut j: usize, pred: fn(char) -> bool| {
            while j < chars.len() && pred(chars[j].1) {
                j += 1;
            }
            j
        };
        let (tok, next) = match c {
            '#' | ':' => {
                let j = run(i + 1, is_ident_part);
                if j == i + 1 {
                    (Tok::Other(c.to_string()), i + 1)
                } else {
                    let s = text[start..end_of(j)].to_string();
                    (
                        if c == '#' {
                            Tok::NamePh(s)
                        } else {
                            Tok::ValuePh(s)
                        },
                        j,
                    )
                }
            }
            c if is_ident_start(c) => {
                let j = run(i + 1, is_ident_part);
                (Tok::Ident(text[start..end_of(j)].to_string()), j)
            }
            c if c.is_ascii_digit() => {
                let j = run(i + 1, |c| c.is_ascii_digit());
                (Tok::Number(text[start..end_of(j)].to_string()), j)
            }
            '(' => (Tok::LParen, i + 1),
            ')' => (Tok::RParen, i + 1),
            '[' => (Tok::LBracket, i + 1),
            ']' => (Tok::RBracket, i + 1),
            ',' => (Tok::Comma, i + 1),
            '.' => (Tok::Dot, i + 1),
            '=' => (Tok::Eq, i + 1),
            '+' => (Tok::Plus, i + 1),
            '-' => (Tok::Minus, i + 1),
            '<' => match chars.get(i + 1).map(|c| c.1) {
                Some('>') => (Tok::Ne, i + 2),
                Some('=') => (Tok::Le, i + 2),
                _ => (Tok::Lt, i + 1),
            },
            '>' => match chars.get(i + 1).map(|c| c.1) {
                Some('=') => (Tok::Ge, i + 2),
                _ => (Tok::Gt, i + 1),
            },
            other => (Tok::Other(other.to_string()), i + 1),
        };
        out.push(Token {
            tok,
            start,
            end: end_of(next),
        });
        i = next;
    }
    out
}

/// DynamoDB's syntax error detail for a failure at token `at` (`tokens.len()` = end of input):
/// `Syntax error; token: "<tok>", near: "<prev tok> <tok> <next tok>"`, quoting the source
/// text from the previous token through the next one; at the end, `token: <EOF>` and the
/// text from the previous token on.
pub fn syntax_error(text: &str, tokens: &[Token], at: usize) -> String {
    let near_start = if at > 0 { tokens[at - 1].start } else { 0 };
    match tokens.get(at) {
        None => {
            let near = text[near_start.min(text.len())..].trim_end();
            format!("Syntax error; token: <EOF>, near: \"{near}\"")
        }
        Some(t) => {
            let near_end = tokens.get(at + 1).map_or(t.end, |n| n.end);
            format!(
                "Syntax error; token: \"{}\", near: \"{}\"",
                &text[t.start..t.end],
                &text[near_start..near_end]
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Tok> {
        lex(text).into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn lexes_operators_and_placeholders() {
        assert_eq!(
            kinds("a.#b[12] <> :v"),
            vec![
                Tok::Ident("a".into()),
                Tok::Dot,
                Tok::NamePh("#b".into()),
                Tok::LBracket,
                Tok::Number("12".into()),
                Tok::RBracket,
                Tok::Ne,
                Tok::ValuePh(":v".into()),
            ]
        );
        assert_eq!(kinds("<=>="), vec![Tok::Le, Tok::Ge]);
        assert_eq!(
            kinds(": x"),
            vec![Tok::Other(":".into()), Tok::Ident("x".into())]
        );
    }

    #[test]
    fn syntax_error_quotes_neighbours() {
        let text = "ADD hits : incr";
        let toks = lex(text);
        assert_eq!(
            syntax_error(text, &toks, 2),
            "Syntax error; token: \":\", near: \"hits : incr\""
        );
        let text = "SET";
        let toks = lex(text);
        assert_eq!(
            syntax_error(text, &toks, 1),
            "Syntax error; token: <EOF>, near: \"SET\""
        );
        let text = "INVALID SYNTAX HERE";
        let toks = lex(text);
        assert_eq!(
            syntax_error(text, &toks, 0),
            "Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\""
        );
    }
}
