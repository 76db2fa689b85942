//! Recursive descent over [`Tok`]s to a [`Statement`].
//!
//! ```text
//! statement := select | insert | update | update_from_first | delete | EXISTS '(' select ')'   [';']
//! select    := SELECT ('*' | path (',' path)*) FROM source [WHERE expr] [ORDER BY name [ASC|DESC]]
//! source    := name ['.' name]
//! insert    := INSERT INTO name VALUE expr
//! update    := UPDATE name (SET path '=' expr (',' path '=' expr)* | REMOVE path (',' path)*)+
//!              WHERE expr [returning]
//! update_from_first := FROM name [WHERE expr] (SET ... | REMOVE ...)+
//! delete    := DELETE FROM name WHERE expr [returning]
//! returning := RETURNING (ALL | MODIFIED) (OLD | NEW) '*'
//! expr      := or;  or := and (OR and)*;  and := not (AND not)*;  not := NOT not | cmp
//! cmp       := sum [('=' | '<>' | '!=' | '<' | '<=' | '>' | '>=') sum
//!                   | [NOT] BETWEEN sum AND sum | [NOT] IN ('(' | '[') expr,* (')' | ']')
//!                   | IS [NOT] type]
//! sum       := term (('+' | '-') term)*
//! term      := literal | '?' | path | name '(' expr,* ')' | '(' expr ')' | '{' ... '}' | '[' ... ']' | '<<' ... '>>'
//! ```

use dynolab_expr::{CmpOp, Path, PathElem};
use dynolab_model::AttributeValue;

use crate::ast::*;
use crate::error::{PartiqlError, malformed, msg};
use crate::lexer::{Tok, tokenize};

/// Words that end an expression or start a clause: never a bare attribute name.
const KEYWORDS: &[&str] = &[
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "in",
    "is",
    "between",
    "set",
    "remove",
    "returning",
    "order",
    "by",
    "value",
    "values",
    "into",
    "insert",
    "update",
    "delete",
    "asc",
    "desc",
    "missing",
    "null",
    "true",
    "false",
    "exists",
    "as",
    "at",
    "group",
    "having",
    "limit",
];

fn is_keyword(s: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s))
}

/// How deep a statement's expressions may nest (parentheses, `NOT`, function arguments,
/// lists, maps and bags), and how many operators it may hold. DynamoDB documents neither; a
/// statement is at most 8,192 characters, and these bounds keep every walk over its tree
/// (parse, translation, evaluation, drop) far from the end of a thread's stack.
/// docs/COMPAT.md records the choice.
pub const MAX_NESTING: usize = 100;
pub const MAX_OPERATORS: usize = 1000;

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    params: usize,
    depth: usize,
    operators: usize,
}

/// Parses one statement; the result holds [`Expr::Param`]s until [`crate::bind`].
pub fn parse(text: &str) -> Result<(Statement, usize), PartiqlError> {
    let mut p = Parser {
        toks: tokenize(text)?,
        pos: 0,
        params: 0,
        depth: 0,
        operators: 0,
    };
    let stmt = p.statement()?;
    p.eat_sym(";");
    if p.peek() != &Tok::Eof {
        return Err(malformed(msg::LEFTOVER));
    }
    Ok((stmt, p.params))
}

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.pos).unwrap_or(&Tok::Eof)
    }

    fn peek_at(&self, n: usize) -> &Tok {
        self.toks.get(self.pos + n).unwrap_or(&Tok::Eof)
    }

    fn next(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    /// Runs `f` one nesting level deeper, refusing past [`MAX_NESTING`].
    fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Parser) -> Result<T, PartiqlError>,
    ) -> Result<T, PartiqlError> {
        if self.depth >= MAX_NESTING {
            return Err(malformed(msg::TOO_DEEP));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    /// Counts one operator against [`MAX_OPERATORS`].
    fn operator(&mut self) -> Result<(), PartiqlError> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            return Err(malformed(msg::TOO_MANY_OPERATORS));
        }
        Ok(())
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.peek().is_kw(kw) {
            self.next();
            true
        } else {
            false
        }
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        if self.peek() == &Tok::Sym(match_sym(s)) {
            self.next();
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), PartiqlError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect_sym(&mut self, s: &str) -> Result<(), PartiqlError> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// The error for the current token where something else was expected.
    fn unexpected(&self) -> PartiqlError {
        match self.peek() {
            Tok::Eof => malformed(msg::UNEXPECTED_TERM),
            Tok::Ident(s) if is_keyword(s) => malformed(msg::UNEXPECTED_KEYWORD),
            Tok::Sym(_) => malformed(msg::UNEXPECTED_OPERATOR),
            _ => malformed(msg::LEFTOVER),
        }
    }

    fn statement(&mut self) -> Result<Statement, PartiqlError> {
        if self.eat_kw("select") {
            return Ok(Statement::Select(self.select_rest()?));
        }
        if self.eat_kw("insert") {
            return self.insert();
        }
        if self.eat_kw("update") {
            return self.update();
        }
        if self.eat_kw("delete") {
            return self.delete();
        }
        if self.eat_kw("from") {
            return self.update_from_first();
        }
        if self.eat_kw("exists") {
            self.expect_sym("(")?;
            self.expect_kw("select")?;
            let select = self.select_rest()?;
            self.expect_sym(")")?;
            return Ok(Statement::Exists(select));
        }
        Err(malformed(msg::EXPECTED_DML))
    }

    /// A table name (bare or quoted).
    fn name(&mut self) -> Result<String, PartiqlError> {
        match self.peek().clone() {
            Tok::Quoted(s) if s.is_empty() => Err(PartiqlError::new(msg::EMPTY_PATH_COMPONENT)),
            Tok::Quoted(s) => {
                self.next();
                Ok(s)
            }
            Tok::Ident(s) if !is_keyword(&s) => {
                self.next();
                Ok(s)
            }
            _ => Err(malformed(msg::EXPECTED_IDENTIFIER)),
        }
    }

    /// Refuses an alias after a table name.
    fn no_alias(&mut self) -> Result<(), PartiqlError> {
        match self.peek() {
            Tok::Ident(s) if s.eq_ignore_ascii_case("as") || !is_keyword(s) => {
                Err(PartiqlError::new(msg::ALIASING))
            }
            Tok::Quoted(_) => Err(PartiqlError::new(msg::ALIASING)),
            _ => Ok(()),
        }
    }

    fn select_rest(&mut self) -> Result<Select, PartiqlError> {
        let projection = if self.eat_sym("*") {
            if self.eat_sym(",") {
                return Err(PartiqlError::new(msg::STAR_AND_OTHERS));
            }
            None
        } else {
            let mut paths = vec![self.path()?];
            while self.eat_sym(",") {
                if self.eat_sym("*") {
                    return Err(PartiqlError::new(msg::STAR_AND_OTHERS));
                }
                paths.push(self.path()?);
            }
            Some(paths)
        };
        if !self.eat_kw("from") {
            return Err(self.unexpected());
        }
        if self.peek() == &Tok::Eof {
            return Err(malformed(msg::UNEXPECTED_TERM));
        }
        let table = self.name()?;
        let index = if self.eat_sym(".") {
            Some(self.name()?)
        } else {
            None
        };
        if self.peek() == &Tok::Sym(".") {
            return Err(PartiqlError::new(msg::PATH_FROM));
        }
        self.no_alias()?;
        let where_ = if self.eat_kw("where") {
            Some(self.expr()?)
        } else {
            None
        };
        let order_by = if self.eat_kw("order") {
            self.expect_kw("by")?;
            let name = self.name()?;
            let desc = if self.eat_kw("desc") {
                true
            } else {
                self.eat_kw("asc");
                false
            };
            Some((name, desc))
        } else {
            None
        };
        Ok(Select {
            projection,
            table,
            index,
            where_,
            order_by,
        })
    }

    fn insert(&mut self) -> Result<Statement, PartiqlError> {
        self.expect_kw("into")?;
        let table = self.name()?;
        if !self.eat_kw("value") {
            if self.peek().is_kw("values") || self.peek() == &Tok::Sym("(") {
                return Err(PartiqlError::new(
                    "Unsupported operation: Inserting multiple items in a single statement is not supported, use \"INSERT INTO tableName VALUE item\" instead",
                ));
            }
            return Err(malformed(msg::LEFTOVER));
        }
        let value = self.expr()?;
        if self.peek().is_kw("returning") {
            return Err(PartiqlError::new(msg::RETURNING_INSERT));
        }
        Ok(Statement::Insert(Insert { table, value }))
    }

    fn update(&mut self) -> Result<Statement, PartiqlError> {
        let table = self.name()?;
        self.no_alias_update()?;
        let actions = self.assignments()?;
        if actions.is_empty() {
            return Err(self.unexpected());
        }
        if !self.eat_kw("where") {
            return Err(match self.peek() {
                Tok::Eof => PartiqlError::new(msg::INCOMPLETE_KEY),
                _ => self.unexpected(),
            });
        }
        let where_ = self.expr()?;
        let returning = self.returning()?;
        Ok(Statement::Update(Update {
            table,
            actions,
            where_,
            returning,
        }))
    }

    /// PartiQL's FROM-first update: `FROM name [WHERE expr] (SET ... | REMOVE ...)+`.
    fn update_from_first(&mut self) -> Result<Statement, PartiqlError> {
        let table = self.name()?;
        self.no_alias_update_or_where()?;
        let where_ = if self.eat_kw("where") {
            Some(self.expr()?)
        } else {
            None
        };
        let actions = self.assignments()?;
        if actions.is_empty() {
            return Err(self.unexpected());
        }
        if self.peek() != &Tok::Eof && self.peek() != &Tok::Sym(";") {
            return Err(malformed(msg::LEFTOVER));
        }
        let where_ = where_.ok_or_else(|| PartiqlError::new(msg::INCOMPLETE_KEY))?;
        Ok(Statement::Update(Update {
            table,
            actions,
            where_,
            returning: None,
        }))
    }

    fn no_alias_update_or_where(&mut self) -> Result<(), PartiqlError> {
        if self.peek().is_kw("where") {
            return Ok(());
        }
        self.no_alias_update()
    }

    /// `SET path = value, ...` and `REMOVE path, ...` clauses, in any number and order.
    fn assignments(&mut self) -> Result<Vec<Assign>, PartiqlError> {
        let mut actions = Vec::new();
        loop {
            if self.eat_kw("set") {
                loop {
                    let path = self.path()?;
                    self.expect_sym("=")?;
                    actions.push(Assign::Set(path, self.expr()?));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
            } else if self.eat_kw("remove") {
                loop {
                    actions.push(Assign::Remove(self.path()?));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
            } else {
                return Ok(actions);
            }
        }
    }

    /// UPDATE's alias check: anything but SET / REMOVE after the table is an alias.
    fn no_alias_update(&mut self) -> Result<(), PartiqlError> {
        if self.peek().is_kw("set") || self.peek().is_kw("remove") {
            return Ok(());
        }
        self.no_alias()
    }

    fn delete(&mut self) -> Result<Statement, PartiqlError> {
        self.expect_kw("from")
            .map_err(|_| malformed(msg::EXPECTED_IDENTIFIER))?;
        let table = self.name()?;
        self.no_alias()?;
        if !self.eat_kw("where") {
            return Err(match self.peek() {
                Tok::Eof => PartiqlError::new(msg::INCOMPLETE_KEY),
                _ => self.unexpected(),
            });
        }
        let where_ = self.expr()?;
        let returning = self.returning()?;
        if let Some(r) = returning
            && r != Returning::AllOld
        {
            return Err(PartiqlError::new(format!(
                "Invalid returning clause: RETURNING {}. Only RETURNING ALL OLD * is allowed in DELETE statements.",
                r.text()
            )));
        }
        Ok(Statement::Delete(Delete {
            table,
            where_,
            returning,
        }))
    }

    fn returning(&mut self) -> Result<Option<Returning>, PartiqlError> {
        if !self.eat_kw("returning") {
            return Ok(None);
        }
        let all = if self.eat_kw("all") {
            true
        } else if self.eat_kw("modified") {
            false
        } else {
            return Err(self.unexpected());
        };
        let old = if self.eat_kw("old") {
            true
        } else if self.eat_kw("new") {
            false
        } else {
            return Err(self.unexpected());
        };
        if !self.eat_sym("*") {
            return Err(PartiqlError::new(msg::RETURNING_STAR));
        }
        Ok(Some(match (all, old) {
            (true, true) => Returning::AllOld,
            (false, true) => Returning::ModifiedOld,
            (true, false) => Returning::AllNew,
            (false, false) => Returning::ModifiedNew,
        }))
    }

    /// A document path: `a`, `"a"`, `a.b`, `a[0]`, `a['b']`.
    fn path(&mut self) -> Result<Path, PartiqlError> {
        let head = match self.peek().clone() {
            Tok::Quoted(s) => s,
            Tok::Ident(s) if !is_keyword(&s) => s,
            Tok::Sym("[") => return Err(PartiqlError::new(msg::PATH_STARTS_WITH_INDEX)),
            _ => return Err(self.unexpected()),
        };
        self.next();
        self.path_rest(head)
    }

    fn path_rest(&mut self, head: String) -> Result<Path, PartiqlError> {
        let mut elems = vec![PathElem::Attr(head)];
        loop {
            if self.eat_sym(".") {
                match self.next() {
                    Tok::Ident(s) | Tok::Quoted(s) => elems.push(PathElem::Attr(s)),
                    _ => return Err(malformed(msg::EXPECTED_IDENTIFIER)),
                }
            } else if self.eat_sym("[") {
                match self.next() {
                    Tok::Num(n) => {
                        let i: usize = n.parse().map_err(|_| malformed(msg::UNEXPECTED_TERM))?;
                        elems.push(PathElem::Index(i));
                    }
                    Tok::Str(s) => elems.push(PathElem::Attr(s)),
                    _ => return Err(malformed(msg::UNEXPECTED_TERM)),
                }
                self.expect_sym("]")?;
            } else {
                return Ok(Path(elems));
            }
        }
    }

    fn expr(&mut self) -> Result<Expr, PartiqlError> {
        let mut left = self.and()?;
        while self.eat_kw("or") {
            self.operator()?;
            let right = self.operand_after_infix(Parser::and)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, PartiqlError> {
        let mut left = self.not()?;
        while self.eat_kw("and") {
            self.operator()?;
            let right = self.operand_after_infix(Parser::not)?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// The right operand of AND / OR, with DynamoDB's message when it is missing.
    fn operand_after_infix(
        &mut self,
        f: fn(&mut Parser) -> Result<Expr, PartiqlError>,
    ) -> Result<Expr, PartiqlError> {
        if matches!(self.peek(), Tok::Eof | Tok::Sym(";")) {
            return Err(malformed(msg::MISSING_RHS));
        }
        f(self)
    }

    fn not(&mut self) -> Result<Expr, PartiqlError> {
        if self.eat_kw("not") {
            self.operator()?;
            return Ok(Expr::Not(Box::new(self.nested(Parser::not)?)));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Expr, PartiqlError> {
        let left = self.sum()?;
        let op = match self.peek() {
            Tok::Sym("=") => Some(CmpOp::Eq),
            Tok::Sym("<>") | Tok::Sym("!=") => Some(CmpOp::Ne),
            Tok::Sym("<") => Some(CmpOp::Lt),
            Tok::Sym("<=") => Some(CmpOp::Le),
            Tok::Sym(">") => Some(CmpOp::Gt),
            Tok::Sym(">=") => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.next();
            self.operator()?;
            let right = self.sum()?;
            return Ok(Expr::Cmp(op, Box::new(left), Box::new(right)));
        }
        let negated = if self.peek().is_kw("not")
            && (self.peek_at(1).is_kw("between") || self.peek_at(1).is_kw("in"))
        {
            self.next();
            true
        } else {
            false
        };
        let wrap = |e: Expr| if negated { Expr::Not(Box::new(e)) } else { e };
        if self.eat_kw("between") {
            self.operator()?;
            let lo = self.sum()?;
            self.expect_kw("and")?;
            let hi = self.sum()?;
            return Ok(wrap(Expr::Between(
                Box::new(left),
                Box::new(lo),
                Box::new(hi),
            )));
        }
        if self.eat_kw("in") {
            self.operator()?;
            let close = if self.eat_sym("(") {
                ")"
            } else if self.eat_sym("[") {
                "]"
            } else {
                return Err(self.unexpected());
            };
            let mut list = Vec::new();
            if !self.eat_sym(close) {
                loop {
                    list.push(self.sum()?);
                    if self.eat_sym(close) {
                        break;
                    }
                    self.expect_sym(",")?;
                }
            }
            return Ok(wrap(Expr::In(Box::new(left), list)));
        }
        if self.eat_kw("is") {
            self.operator()?;
            let not = self.eat_kw("not");
            let ty = match self.next() {
                Tok::Ident(s) => match s.to_ascii_uppercase().as_str() {
                    "MISSING" => IsType::Missing,
                    "NULL" => IsType::Null,
                    "BOOLEAN" | "BOOL" => IsType::Boolean,
                    "STRING" => IsType::String,
                    "NUMERIC" | "NUMBER" | "INT" | "INTEGER" | "DECIMAL" | "FLOAT" => {
                        IsType::Numeric
                    }
                    "BLOB" => IsType::Blob,
                    "STRUCT" | "TUPLE" => IsType::Struct,
                    "LIST" => IsType::List,
                    _ => return Err(malformed("Expected type name")),
                },
                _ => return Err(malformed("Expected type name")),
            };
            return Ok(Expr::Is(Box::new(left), ty, not));
        }
        Ok(left)
    }

    fn sum(&mut self) -> Result<Expr, PartiqlError> {
        let mut left = self.term()?;
        loop {
            if self.eat_sym("+") {
                self.operator()?;
                left = Expr::Add(Box::new(left), Box::new(self.term()?));
            } else if self.peek() == &Tok::Sym("-") {
                self.next();
                self.operator()?;
                left = Expr::Sub(Box::new(left), Box::new(self.term()?));
            } else {
                return Ok(left);
            }
        }
    }

    /// A number literal; an exponent (or the scale it leaves) beyond a 32-bit integer is a
    /// statement DynamoDB cannot read at all.
    fn number(&self, text: &str, negative: bool) -> Result<Expr, PartiqlError> {
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], &text[i + 1..]),
            None => (text, "0"),
        };
        let exponent: i64 = exponent.parse().map_err(|_| malformed(""))?;
        let decimals = mantissa.find('.').map_or(0, |i| mantissa.len() - i - 1) as i64;
        if i32::try_from(exponent).is_err() || i32::try_from(decimals - exponent).is_err() {
            return Err(malformed(""));
        }
        Ok(Expr::Num(if negative {
            format!("-{text}")
        } else {
            text.to_string()
        }))
    }

    fn term(&mut self) -> Result<Expr, PartiqlError> {
        if matches!(self.peek(), Tok::Eof | Tok::Sym(";")) {
            return Err(malformed(msg::UNEXPECTED_TERM));
        }
        match self.next() {
            Tok::Str(s) => Ok(Expr::Value(AttributeValue::S(s))),
            Tok::Num(n) => self.number(&n, false),
            Tok::Sym("-") => match self.next() {
                Tok::Num(n) => self.number(&n, true),
                _ => Err(malformed(msg::UNEXPECTED_TERM)),
            },
            Tok::Param => {
                self.params += 1;
                Ok(Expr::Param(self.params - 1))
            }
            Tok::Quoted(s) => Ok(Expr::Path(self.path_rest(s)?)),
            Tok::Ident(s) => {
                let lower = s.to_ascii_lowercase();
                match lower.as_str() {
                    "true" => return Ok(Expr::Value(AttributeValue::Bool(true))),
                    "false" => return Ok(Expr::Value(AttributeValue::Bool(false))),
                    "null" => return Ok(Expr::Value(AttributeValue::Null)),
                    "missing" => return Ok(Expr::Missing),
                    _ => {}
                }
                if self.peek() == &Tok::Sym("(") {
                    self.next();
                    self.operator()?;
                    let args = self.nested(|p| p.elements(")"))?;
                    return Ok(Expr::Call(lower, args));
                }
                if is_keyword(&s) {
                    self.pos -= 1;
                    return Err(
                        if matches!(lower.as_str(), "is" | "in" | "between" | "and" | "or") {
                            malformed(msg::UNEXPECTED_OPERATOR)
                        } else {
                            malformed(msg::UNEXPECTED_KEYWORD)
                        },
                    );
                }
                Ok(Expr::Path(self.path_rest(s)?))
            }
            Tok::Sym("(") => self.nested(|p| {
                let e = p.expr()?;
                p.expect_sym(")")?;
                Ok(e)
            }),
            Tok::Sym("{") => self.nested(|p| {
                let mut members = Vec::new();
                if !p.eat_sym("}") {
                    loop {
                        let key = match p.next() {
                            Tok::Str(s) => s,
                            _ => return Err(malformed(msg::UNEXPECTED_TERM)),
                        };
                        p.expect_sym(":")?;
                        members.push((key, p.expr()?));
                        if p.eat_sym("}") {
                            break;
                        }
                        p.expect_sym(",")?;
                    }
                }
                Ok(Expr::Map(members))
            }),
            Tok::Sym("[") => Ok(Expr::List(self.nested(|p| p.elements("]"))?)),
            Tok::Sym("<<") => Ok(Expr::Bag(self.nested(|p| p.elements(">>"))?)),
            Tok::Eof => Err(malformed(msg::UNEXPECTED_TERM)),
            Tok::Sym(_) => Err(malformed(msg::UNEXPECTED_OPERATOR)),
        }
    }

    fn elements(&mut self, close: &str) -> Result<Vec<Expr>, PartiqlError> {
        let mut out = Vec::new();
        if self.eat_sym(close) {
            return Ok(out);
        }
        loop {
            out.push(self.expr()?);
            if self.eat_sym(close) {
                return Ok(out);
            }
            self.expect_sym(",")?;
        }
    }
}

/// The static symbol equal to `s` (tokens hold `&'static str`).
fn match_sym(s: &str) -> &'static str {
    const ALL: &[&str] = &[
        "<<", ">>", "<>", "!=", "<=", ">=", "=", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".",
        ":", "*", "+", "-", ";",
    ];
    ALL.iter().find(|x| **x == s).copied().unwrap_or("")
}
