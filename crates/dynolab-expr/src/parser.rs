//! Recursive-descent parser: tokens to a raw (unresolved) syntax tree for the condition,
//! update and projection grammars. Placeholders stay as written; [`crate::resolve`] then
//! substitutes them and applies DynamoDB's semantic checks.
//!
//! Like DynamoDB (and a PEG), a failure backtracks and the error reported is the furthest
//! token the parser could not accept.

use crate::ast::CmpOp;
use crate::lexer::{Tok, Token, lex, syntax_error};

/// A path element as written.
#[derive(Clone, PartialEq, Debug)]
pub(crate) enum RawElem {
    Ident(String),
    Name(String),
    Index(usize),
}

#[derive(Clone, PartialEq, Debug)]
pub(crate) struct RawPath(pub Vec<RawElem>);

#[derive(Clone, PartialEq, Debug)]
pub(crate) enum RawOperand {
    Path(RawPath),
    Value(String),
    Call { name: String, args: Vec<RawOperand> },
    Plus(Box<RawOperand>, Box<RawOperand>),
    Minus(Box<RawOperand>, Box<RawOperand>),
}

#[derive(Clone, PartialEq, Debug)]
pub(crate) enum RawCond {
    Or(Box<RawCond>, Box<RawCond>),
    And(Box<RawCond>, Box<RawCond>),
    Not(Box<RawCond>),
    Cmp(CmpOp, RawOperand, RawOperand),
    Between(RawOperand, RawOperand, RawOperand),
    In(RawOperand, Vec<RawOperand>),
    Call { name: String, args: Vec<RawOperand> },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Section {
    Set,
    Remove,
    Add,
    Delete,
}

impl Section {
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Section::Set => "SET",
            Section::Remove => "REMOVE",
            Section::Add => "ADD",
            Section::Delete => "DELETE",
        }
    }
}

#[derive(Clone, PartialEq, Debug)]
pub(crate) enum RawAction {
    Set(RawPath, RawOperand),
    Remove(RawPath),
    Add(RawPath, String),
    Delete(RawPath, String),
}

/// A parsed condition plus the one semantic fact only the parser sees.
pub(crate) struct ParsedCond {
    pub cond: RawCond,
    pub redundant_parens: bool,
}

pub(crate) struct ParsedUpdate {
    pub sections: Vec<(Section, Vec<RawAction>)>,
}

type PResult<T> = Result<T, ()>;

/// DynamoDB's limit on the operators and functions in one expression (Constraints.html,
/// "Expression parameters": 300). Comparators, `AND`, `OR`, `NOT`, `BETWEEN`, `IN`, `+`, `-`
/// and every function call count; parentheses do not.
pub const MAX_OPERATORS: usize = 300;

/// The deepest nesting (parentheses, function arguments, `NOT`) the parser follows. An
/// expression within DynamoDB's 4 KB limit cannot reach it; it is a backstop for callers that
/// skip the size check. The parser recurses once per level and grows its stack on the heap
/// when a level would not fit ([`stacker`]), so no input can overflow the thread's stack.
pub const MAX_NESTING: usize = 4096;

/// Stack the parser keeps free before it recurses, and the size of each new segment.
const RED_ZONE: usize = 64 * 1024;
const STACK_SEGMENT: usize = 1024 * 1024;

struct Parser<'a> {
    toks: &'a [Token],
    pos: usize,
    furthest: usize,
    redundant: bool,
    update: bool,
    /// Operators and functions on the current parse path (restored when a branch backtracks).
    operators: usize,
    /// Nesting of the current parse path.
    depth: usize,
    /// A failure no other branch can recover from: the whole parse stops with this detail.
    fatal: Option<String>,
    /// Positions where an operand is known not to parse. An operand's parse depends only on
    /// where it starts, and the condition grammar tries one at every `(` before it tries a
    /// parenthesised condition there; remembering failures keeps deep nesting linear.
    no_operand_at: Vec<bool>,
}

const CONDITION_KEYWORDS: &[&str] = &["AND", "OR", "NOT", "BETWEEN", "IN"];
const UPDATE_KEYWORDS: &[&str] = &["SET", "REMOVE", "ADD", "DELETE"];

impl<'a> Parser<'a> {
    fn new(toks: &'a [Token], update: bool) -> Self {
        Parser {
            toks,
            pos: 0,
            furthest: 0,
            redundant: false,
            update,
            operators: 0,
            depth: 0,
            fatal: None,
            no_operand_at: vec![false; toks.len() + 1],
        }
    }

    /// The current token; after a fatal failure, none (so every branch fails at once).
    fn peek(&self) -> Option<&Tok> {
        if self.fatal.is_some() {
            return None;
        }
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn peek_at(&self, n: usize) -> Option<&Tok> {
        if self.fatal.is_some() {
            return None;
        }
        self.toks.get(self.pos + n).map(|t| &t.tok)
    }

    /// Counts one operator or function against [`MAX_OPERATORS`].
    fn operator(&mut self) -> PResult<()> {
        self.operators += 1;
        if self.operators > MAX_OPERATORS {
            self.fatal = Some(format!(
                "The expression contains too many operators; operator count: {}",
                self.operators
            ));
            return Err(());
        }
        Ok(())
    }

    /// Runs `f` one nesting level deeper, on a stack with room for it.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_NESTING {
            return self.fail();
        }
        self.depth += 1;
        let r = stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || f(self));
        self.depth -= 1;
        r
    }

    fn fail<T>(&mut self) -> PResult<T> {
        self.furthest = self.furthest.max(self.pos);
        Err(())
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.pos += 1;
            true
        } else {
            self.furthest = self.furthest.max(self.pos);
            false
        }
    }

    fn expect(&mut self, tok: &Tok) -> PResult<()> {
        if self.eat(tok) { Ok(()) } else { self.fail() }
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw))
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.is_keyword(kw) {
            self.pos += 1;
            true
        } else {
            self.furthest = self.furthest.max(self.pos);
            false
        }
    }

    fn is_reserved_token(&self, s: &str) -> bool {
        let list = if self.update {
            UPDATE_KEYWORDS
        } else {
            CONDITION_KEYWORDS
        };
        list.iter().any(|k| s.eq_ignore_ascii_case(k))
    }

    /// Runs `f`, restoring the position (and parens flag) when it fails.
    fn attempt<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        let (pos, red, operators) = (self.pos, self.redundant, self.operators);
        let r = f(self);
        if r.is_err() {
            self.pos = pos;
            self.redundant = red;
            self.operators = operators;
        }
        r
    }

    // ---- paths and operands -------------------------------------------------------------

    fn path_name(&mut self) -> PResult<RawElem> {
        match self.peek().cloned() {
            Some(Tok::Ident(s)) if !self.is_reserved_token(&s) => {
                self.pos += 1;
                Ok(RawElem::Ident(s))
            }
            Some(Tok::NamePh(s)) => {
                self.pos += 1;
                Ok(RawElem::Name(s))
            }
            _ => self.fail(),
        }
    }

    fn path(&mut self) -> PResult<RawPath> {
        let mut elems = vec![self.path_name()?];
        loop {
            if self.eat(&Tok::Dot) {
                elems.push(self.path_name()?);
            } else if self.eat(&Tok::LBracket) {
                let Some(Tok::Number(n)) = self.peek().cloned() else {
                    return self.fail();
                };
                let Ok(ix) = n.parse::<usize>() else {
                    return self.fail();
                };
                self.pos += 1;
                self.expect(&Tok::RBracket)?;
                elems.push(RawElem::Index(ix));
            } else {
                return Ok(RawPath(elems));
            }
        }
    }

    fn call_args(&mut self) -> PResult<Vec<RawOperand>> {
        self.expect(&Tok::LParen)?;
        self.nested(|p| {
            let mut args = vec![p.operand()?];
            while p.eat(&Tok::Comma) {
                args.push(p.operand()?);
            }
            p.expect(&Tok::RParen)?;
            Ok(args)
        })
    }

    /// Operand with its "was a parenthesised operand" flag (for redundant-parens detection).
    fn operand_p(&mut self) -> PResult<(RawOperand, bool)> {
        let start = self.pos;
        if self.no_operand_at.get(start) == Some(&true) {
            return self.fail();
        }
        let r = self.operand_p_uncached();
        if r.is_err()
            && let Some(known) = self.no_operand_at.get_mut(start)
        {
            *known = true;
        }
        r
    }

    fn operand_p_uncached(&mut self) -> PResult<(RawOperand, bool)> {
        match self.peek().cloned() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let (inner, paren) = self.nested(|p| p.operand_p())?;
                self.expect(&Tok::RParen)?;
                if paren {
                    self.redundant = true;
                }
                Ok((inner, true))
            }
            Some(Tok::ValuePh(v)) => {
                self.pos += 1;
                Ok((RawOperand::Value(v), false))
            }
            Some(Tok::Ident(name))
                if !self.is_reserved_token(&name) && self.peek_at(1) == Some(&Tok::LParen) =>
            {
                self.pos += 1;
                self.operator()?;
                let args = self.call_args()?;
                Ok((RawOperand::Call { name, args }, false))
            }
            _ => Ok((RawOperand::Path(self.path()?), false)),
        }
    }

    fn operand(&mut self) -> PResult<RawOperand> {
        Ok(self.operand_p()?.0)
    }

    // ---- conditions ------------------------------------------------------------------------

    /// `or := and (OR and)*`; returns whether the whole thing was one parenthesised group.
    fn or_expr(&mut self) -> PResult<(RawCond, bool)> {
        let (first, paren) = self.and_expr()?;
        let mut rest = Vec::new();
        while self.eat_keyword("OR") {
            self.operator()?;
            rest.push(self.and_expr()?.0);
        }
        let only = rest.is_empty();
        Ok((fold_right(first, rest, RawCond::Or), paren && only))
    }

    fn and_expr(&mut self) -> PResult<(RawCond, bool)> {
        let (first, paren) = self.not_expr()?;
        let mut rest = Vec::new();
        while self.eat_keyword("AND") {
            self.operator()?;
            rest.push(self.not_expr()?.0);
        }
        let only = rest.is_empty();
        Ok((fold_right(first, rest, RawCond::And), paren && only))
    }

    /// `not := NOT not | primary`: the Developer Guide's grammar is `NOT condition`, so
    /// `NOT NOT a = :v` is a condition.
    fn not_expr(&mut self) -> PResult<(RawCond, bool)> {
        if self.eat_keyword("NOT") {
            self.operator()?;
            let (inner, _) = self.nested(|p| p.not_expr())?;
            return Ok((RawCond::Not(Box::new(inner)), false));
        }
        self.primary()
    }

    fn primary(&mut self) -> PResult<(RawCond, bool)> {
        if self.peek() == Some(&Tok::LParen) {
            if let Ok(c) = self.attempt(|p| p.predicate()) {
                return Ok((c, false));
            }
            self.pos += 1;
            let (inner, inner_paren) = self.nested(|p| p.or_expr())?;
            self.expect(&Tok::RParen)?;
            if inner_paren {
                self.redundant = true;
            }
            return Ok((inner, true));
        }
        Ok((self.predicate()?, false))
    }

    fn comparator(&mut self) -> Option<CmpOp> {
        let op = match self.peek()? {
            Tok::Eq => CmpOp::Eq,
            Tok::Ne => CmpOp::Ne,
            Tok::Lt => CmpOp::Lt,
            Tok::Le => CmpOp::Le,
            Tok::Gt => CmpOp::Gt,
            Tok::Ge => CmpOp::Ge,
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn predicate(&mut self) -> PResult<RawCond> {
        let left = self.operand()?;
        if let Some(op) = self.comparator() {
            self.operator()?;
            let right = self.operand()?;
            return Ok(RawCond::Cmp(op, left, right));
        }
        self.furthest = self.furthest.max(self.pos);
        if self.eat_keyword("BETWEEN") {
            self.operator()?;
            let lo = self.operand()?;
            if !self.eat_keyword("AND") {
                return self.fail();
            }
            let hi = self.operand()?;
            return Ok(RawCond::Between(left, lo, hi));
        }
        if self.eat_keyword("IN") {
            self.operator()?;
            let list = self.call_args()?;
            return Ok(RawCond::In(left, list));
        }
        match left {
            RawOperand::Call { name, args } => Ok(RawCond::Call { name, args }),
            _ => self.fail(),
        }
    }

    // ---- update ------------------------------------------------------------------------

    fn set_value(&mut self) -> PResult<RawOperand> {
        if self.peek() == Some(&Tok::LParen)
            && let Ok(v) = self.attempt(|p| {
                p.pos += 1;
                let v = p.nested(|p| p.set_value())?;
                p.expect(&Tok::RParen)?;
                Ok(v)
            })
        {
            return self.arith_tail(v);
        }
        let left = self.operand()?;
        self.arith_tail(left)
    }

    fn arith_tail(&mut self, left: RawOperand) -> PResult<RawOperand> {
        if self.eat(&Tok::Plus) {
            self.operator()?;
            let right = self.operand()?;
            return Ok(RawOperand::Plus(Box::new(left), Box::new(right)));
        }
        if self.eat(&Tok::Minus) {
            self.operator()?;
            let right = self.operand()?;
            return Ok(RawOperand::Minus(Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn value_ph(&mut self) -> PResult<String> {
        match self.peek().cloned() {
            Some(Tok::ValuePh(v)) => {
                self.pos += 1;
                Ok(v)
            }
            _ => self.fail(),
        }
    }

    fn action(&mut self, section: Section) -> PResult<RawAction> {
        let path = self.path()?;
        Ok(match section {
            Section::Set => {
                self.expect(&Tok::Eq)?;
                RawAction::Set(path, self.set_value()?)
            }
            Section::Remove => RawAction::Remove(path),
            Section::Add => RawAction::Add(path, self.value_ph()?),
            Section::Delete => RawAction::Delete(path, self.value_ph()?),
        })
    }

    fn section(&mut self) -> PResult<(Section, Vec<RawAction>)> {
        let section = [Section::Set, Section::Remove, Section::Add, Section::Delete]
            .into_iter()
            .find(|s| self.is_keyword(s.keyword()));
        let Some(section) = section else {
            return self.fail();
        };
        self.pos += 1;
        let mut actions = vec![self.action(section)?];
        while self.eat(&Tok::Comma) {
            actions.push(self.action(section)?);
        }
        Ok((section, actions))
    }

    fn at_end(&mut self) -> PResult<()> {
        if self.pos == self.toks.len() {
            Ok(())
        } else {
            self.fail()
        }
    }
}

/// `a OP b OP c` as `a OP (b OP c)`; `first` is the part every chain starts with.
fn fold_right(
    first: RawCond,
    mut rest: Vec<RawCond>,
    f: fn(Box<RawCond>, Box<RawCond>) -> RawCond,
) -> RawCond {
    let Some(mut acc) = rest.pop() else {
        return first;
    };
    while let Some(prev) = rest.pop() {
        acc = f(Box::new(prev), Box::new(acc));
    }
    f(Box::new(first), Box::new(acc))
}

fn finish<T>(text: &str, toks: &[Token], p: &mut Parser<'_>, r: PResult<T>) -> Result<T, String> {
    if let Some(detail) = p.fatal.take() {
        return Err(detail);
    }
    r.map_err(|()| syntax_error(text, toks, p.furthest))
}

/// Parses a condition (ConditionExpression, FilterExpression, KeyConditionExpression).
/// Errors are the syntax-error detail (without the `Invalid …:` prefix).
pub(crate) fn parse_condition(text: &str) -> Result<ParsedCond, String> {
    let toks = lex(text);
    let mut p = Parser::new(&toks, false);
    let r = p.or_expr().and_then(|(c, _)| p.at_end().map(|()| c));
    let redundant = p.redundant;
    finish(text, &toks, &mut p, r).map(|cond| ParsedCond {
        cond,
        redundant_parens: redundant,
    })
}

pub(crate) fn parse_update(text: &str) -> Result<ParsedUpdate, String> {
    let toks = lex(text);
    let mut p = Parser::new(&toks, true);
    let r = (|| {
        let mut sections = vec![p.section()?];
        while p.pos < toks.len() {
            sections.push(p.section()?);
        }
        Ok(sections)
    })();
    finish(text, &toks, &mut p, r).map(|sections| ParsedUpdate { sections })
}

pub(crate) fn parse_projection(text: &str) -> Result<Vec<RawPath>, String> {
    let toks = lex(text);
    let mut p = Parser::new(&toks, false);
    let r = (|| {
        let mut paths = vec![p.path()?];
        while p.eat(&Tok::Comma) {
            paths.push(p.path()?);
        }
        p.at_end()?;
        Ok(paths)
    })();
    finish(text, &toks, &mut p, r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ident(s: &str) -> RawOperand {
        RawOperand::Path(RawPath(vec![RawElem::Ident(s.into())]))
    }

    #[test]
    fn precedence_not_and_or() {
        let c = parse_condition("a = :x OR NOT b = :y AND c = :z")
            .unwrap()
            .cond;
        let RawCond::Or(l, r) = c else {
            panic!("expected OR at the top")
        };
        assert_eq!(
            *l,
            RawCond::Cmp(CmpOp::Eq, ident("a"), RawOperand::Value(":x".into()))
        );
        let RawCond::And(nl, _) = *r else {
            panic!("expected AND under OR")
        };
        assert!(matches!(*nl, RawCond::Not(_)));
    }

    #[test]
    fn parenthesised_operands_and_conditions() {
        assert!(parse_condition("(a) = :x").is_ok());
        assert!(
            !parse_condition("(a = :x) AND (b = :y)")
                .unwrap()
                .redundant_parens
        );
        assert!(parse_condition("((a = :x))").unwrap().redundant_parens);
        assert!(parse_condition("((a)) = :x").unwrap().redundant_parens);
    }

    #[test]
    fn syntax_errors_point_at_the_furthest_token() {
        assert_eq!(
            parse_condition("a = = b").err().unwrap(),
            "Syntax error; token: \"=\", near: \"= = b\""
        );
        assert_eq!(
            parse_condition("attribute_type()").err().unwrap(),
            "Syntax error; token: \")\", near: \"()\""
        );
        assert_eq!(
            parse_update("SET a =").err().unwrap(),
            "Syntax error; token: <EOF>, near: \"=\""
        );
        assert_eq!(
            parse_projection("l[a]").err().unwrap(),
            "Syntax error; token: \"a\", near: \"[a]\""
        );
        assert!(parse_condition("a > 4").is_err());
    }

    #[test]
    fn update_sections_parse_in_any_order() {
        let u = parse_update("REMOVE x, y[2] SET a = b + :c ADD n :one DELETE s :set").unwrap();
        let kinds: Vec<Section> = u.sections.iter().map(|s| s.0).collect();
        assert_eq!(
            kinds,
            vec![Section::Remove, Section::Set, Section::Add, Section::Delete]
        );
        assert_eq!(u.sections[0].1.len(), 2);
    }
}
