//! Resolution: raw syntax tree to the resolved AST. Substitutes `#name` / `:value`
//! placeholders (marking them used), rejects reserved words, and runs DynamoDB's semantic
//! checks (function arity and operand types, misused functions, redundant parentheses,
//! overlapping paths, duplicate update sections).
//!
//! DynamoDB reports one error per expression, chosen by a fixed precedence between error
//! categories rather than by position; each category keeps its first occurrence. The
//! precedences below are the ones DynamoDB exhibits (recorded by dynalite's tests against
//! the live service).

use dynolab_model::{AttributeValue, ValueType};

use crate::ast::{CmpOp, Cond, Operand, Path, PathElem, SetOperand, SetValue, UpdateAction};
use crate::params::Params;
use crate::parser::{ParsedCond, ParsedUpdate, RawAction, RawCond, RawElem, RawOperand, RawPath};
use crate::print::bound_text;
use crate::reserved::is_reserved;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cat {
    Parens,
    UnknownFunction,
    MisusedFunction,
    Reserved,
    Condition,
    Section,
    AttrName,
    AttrVal,
    AttrNameVal,
    PathOverlap,
    PathConflict,
    Operand,
    Distinct,
    Function,
}

const CONDITION_ORDER: &[Cat] = &[
    Cat::Parens,
    Cat::UnknownFunction,
    Cat::MisusedFunction,
    Cat::Reserved,
    Cat::Condition,
];
const UPDATE_ORDER: &[Cat] = &[
    Cat::Reserved,
    Cat::UnknownFunction,
    Cat::Section,
    Cat::AttrName,
    Cat::AttrVal,
    Cat::PathOverlap,
    Cat::PathConflict,
    Cat::Operand,
    Cat::Function,
];
const PROJECTION_ORDER: &[Cat] = &[
    Cat::Reserved,
    Cat::AttrNameVal,
    Cat::PathOverlap,
    Cat::PathConflict,
];
/// Within one condition predicate.
const PREDICATE_ORDER: &[Cat] = &[Cat::AttrNameVal, Cat::Operand, Cat::Distinct, Cat::Function];

fn distinct(name: &str, first: &Path) -> String {
    format!(
        "The first operand must be distinct from the remaining operands for this operator or function; operator: {name}, first operand: {}",
        first.describe()
    )
}

#[derive(Default)]
struct Slots(Vec<(Cat, String)>);

impl Slots {
    fn set(&mut self, cat: Cat, msg: impl Into<String>) {
        if !self.has(cat) {
            self.0.push((cat, msg.into()));
        }
    }
    fn has(&self, cat: Cat) -> bool {
        self.0.iter().any(|(c, _)| *c == cat)
    }
    #[cfg(test)]
    fn any(&self) -> bool {
        !self.0.is_empty()
    }
    fn first(&self, order: &[Cat]) -> Option<String> {
        order
            .iter()
            .find_map(|o| self.0.iter().find(|(c, _)| c == o).map(|(_, m)| m.clone()))
    }
}

const CONDITION_FUNCTIONS: &[(&str, usize)] = &[
    ("attribute_exists", 1),
    ("attribute_not_exists", 1),
    ("attribute_type", 2),
    ("begins_with", 2),
    ("contains", 2),
    ("size", 1),
];
const UPDATE_FUNCTIONS: &[(&str, usize)] = &[("if_not_exists", 2), ("list_append", 2)];

/// Stack the resolver keeps free before it follows a nested operand, and the size of each
/// new segment (as the parser's).
const RED_ZONE: usize = 64 * 1024;
const STACK_SEGMENT: usize = 1024 * 1024;

fn arity(list: &[(&str, usize)], name: &str) -> Option<usize> {
    list.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
}

pub(crate) fn undefined_name(ph: &str) -> String {
    format!(
        "An expression attribute name used in the document path is not defined; attribute name: {ph}"
    )
}

pub(crate) fn undefined_value(ph: &str) -> String {
    format!(
        "An expression attribute value used in expression is not defined; attribute value: {ph}"
    )
}

fn operand_count(name: &str, n: usize) -> String {
    format!(
        "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {n}"
    )
}

fn operand_type(name: &str, ty: &str) -> String {
    format!(
        "Incorrect operand type for operator or function; operator or function: {name}, operand type: {ty}"
    )
}

fn misused(name: &str) -> String {
    format!("The function is not allowed to be used this way in an expression; function: {name}")
}

fn requires_path(name: &str) -> String {
    format!("Operator or function requires a document path; operator or function: {name}")
}

/// The types `<`, `<=`, `>`, `>=` and BETWEEN compare.
pub fn orderable(t: ValueType) -> bool {
    matches!(t, ValueType::S | ValueType::N | ValueType::B)
}

/// A resolved condition operand with the static facts the checks need.
struct ROp {
    op: Operand,
    /// Set when the operand was a function call (name).
    call: Option<String>,
    /// The literal value's type (DynamoDB's "immediate type").
    immediate: Option<ValueType>,
    /// The type known statically: a literal's type, or a function's result type.
    static_ty: Option<&'static str>,
}

impl ROp {
    fn path(&self) -> Option<&Path> {
        match &self.op {
            Operand::Path(p) if self.call.is_none() => Some(p),
            _ => None,
        }
    }
}

pub(crate) struct Resolver<'p> {
    params: &'p mut Params,
    slots: Slots,
    paths: Vec<Path>,
}

impl<'p> Resolver<'p> {
    pub(crate) fn new(params: &'p mut Params) -> Self {
        Resolver {
            params,
            slots: Slots::default(),
            paths: Vec::new(),
        }
    }

    /// Resolves a path; reserved words go to the global slot, the first undefined name is
    /// returned for the caller to file.
    fn path(&mut self, raw: &RawPath) -> (Path, Option<String>) {
        let mut undefined = None;
        let mut out = Vec::with_capacity(raw.0.len());
        for e in &raw.0 {
            match e {
                RawElem::Ident(s) => {
                    if is_reserved(s) {
                        self.slots.set(
                            Cat::Reserved,
                            format!("Attribute name is a reserved keyword; reserved keyword: {s}"),
                        );
                    }
                    out.push(PathElem::Attr(s.clone()));
                }
                RawElem::Name(ph) => match self.params.name(ph) {
                    Some(n) => out.push(PathElem::Attr(n)),
                    None => {
                        undefined.get_or_insert_with(|| undefined_name(ph));
                        out.push(PathElem::Attr(ph.clone()));
                    }
                },
                RawElem::Index(i) => out.push(PathElem::Index(*i)),
            }
        }
        (Path(out), undefined)
    }

    /// Records overlap / conflict of `path` with the paths seen before.
    fn check_path(&mut self, path: &Path) {
        if self.slots.has(Cat::PathOverlap) {
            return;
        }
        for prev in &self.paths {
            let mut diverged = false;
            for (a, b) in prev.0.iter().zip(&path.0) {
                let same_kind = matches!(
                    (a, b),
                    (PathElem::Attr(_), PathElem::Attr(_))
                        | (PathElem::Index(_), PathElem::Index(_))
                );
                if !same_kind {
                    self.slots.set(
                        Cat::PathConflict,
                        format!(
                            "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                            prev.describe(),
                            path.describe()
                        ),
                    );
                    diverged = true;
                    break;
                }
                if a != b {
                    diverged = true;
                    break;
                }
            }
            if !diverged {
                self.slots.set(
                    Cat::PathOverlap,
                    format!(
                        "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                        prev.describe(),
                        path.describe()
                    ),
                );
                return;
            }
        }
        self.paths.push(path.clone());
    }

    // ---- conditions ------------------------------------------------------------------------

    pub(crate) fn condition(mut self, parsed: &ParsedCond) -> Result<Cond, String> {
        if parsed.redundant_parens {
            self.slots
                .set(Cat::Parens, "The expression has redundant parentheses;");
        }
        let cond = self.cond(&parsed.cond);
        match self.slots.first(CONDITION_ORDER) {
            Some(m) => Err(m),
            None => Ok(cond),
        }
    }

    fn cond(&mut self, raw: &RawCond) -> Cond {
        match raw {
            RawCond::Or(a, b) => Cond::Or(Box::new(self.cond(a)), Box::new(self.cond(b))),
            RawCond::And(a, b) => Cond::And(Box::new(self.cond(a)), Box::new(self.cond(b))),
            RawCond::Not(a) => Cond::Not(Box::new(self.cond(a))),
            _ => {
                let mut local = Slots::default();
                let c = self.predicate(raw, &mut local);
                if let Some(m) = local.first(PREDICATE_ORDER) {
                    self.slots.set(Cat::Condition, m);
                }
                c
            }
        }
    }

    /// Operands nest through function calls (`size(size(…))`) up to the 300-operator limit:
    /// each level runs on a stack grown on the heap when it would not fit (a 2 MiB thread
    /// stack overflowed near that limit in a debug build).
    fn c_operand(&mut self, raw: &RawOperand, local: &mut Slots) -> ROp {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.c_operand_level(raw, local))
    }

    fn c_operand_level(&mut self, raw: &RawOperand, local: &mut Slots) -> ROp {
        match raw {
            RawOperand::Path(p) => {
                let (path, undefined) = self.path(p);
                if let Some(m) = undefined {
                    local.set(Cat::AttrNameVal, m);
                }
                ROp {
                    op: Operand::Path(path),
                    call: None,
                    immediate: None,
                    static_ty: None,
                }
            }
            RawOperand::Value(ph) => match self.params.value(ph) {
                Some(v) => {
                    let t = v.value_type();
                    ROp {
                        op: Operand::Value(v),
                        call: None,
                        immediate: Some(t),
                        static_ty: Some(t.as_str()),
                    }
                }
                None => {
                    local.set(Cat::AttrNameVal, undefined_value(ph));
                    ROp {
                        op: Operand::Value(AttributeValue::Null),
                        call: None,
                        immediate: None,
                        static_ty: None,
                    }
                }
            },
            RawOperand::Call { name, args } => {
                let (built, ty) = self.c_call(name, args, local);
                let op = match built {
                    Built::Size(o) => Operand::Size(Box::new(o)),
                    _ => Operand::Value(AttributeValue::Null),
                };
                ROp {
                    op,
                    call: Some(name.clone()),
                    immediate: None,
                    static_ty: ty,
                }
            }
            // Arithmetic cannot be produced by the condition grammar.
            RawOperand::Plus(..) | RawOperand::Minus(..) => ROp {
                op: Operand::Value(AttributeValue::Null),
                call: None,
                immediate: None,
                static_ty: None,
            },
        }
    }

    fn check_misused(&mut self, ops: &[&ROp]) {
        if let Some(name) = ops
            .iter()
            .filter_map(|o| o.call.as_deref())
            .find(|n| *n != "size")
        {
            self.slots.set(Cat::MisusedFunction, misused(name));
        }
    }

    /// DynamoDB refuses an operator or function whose first operand is the same path as one
    /// of the others (`a = a`, `a BETWEEN a AND :v`, `a IN (:v, a)`, `if_not_exists(a, a)`).
    fn check_distinct(name: &str, first: &ROp, rest: &[&ROp], local: &mut Slots) {
        if let Some(pa) = first.path()
            && rest.iter().any(|r| r.path() == Some(pa))
        {
            local.set(Cat::Distinct, distinct(name, pa));
        }
    }

    fn check_orderable(name: &str, ops: &[&ROp], local: &mut Slots) {
        if let Some(t) = ops
            .iter()
            .filter_map(|o| o.immediate)
            .find(|t| !orderable(*t))
        {
            local.set(Cat::Function, operand_type(name, t.as_str()));
        }
    }

    fn predicate(&mut self, raw: &RawCond, local: &mut Slots) -> Cond {
        match raw {
            RawCond::Cmp(op, a, b) => {
                let (a, b) = (self.c_operand(a, local), self.c_operand(b, local));
                self.check_misused(&[&a, &b]);
                Self::check_distinct(op.symbol(), &a, &[&b], local);
                if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    Self::check_orderable(op.symbol(), &[&a, &b], local);
                }
                Cond::Cmp(*op, a.op, b.op)
            }
            RawCond::Between(x, lo, hi) => {
                let x = self.c_operand(x, local);
                let lo = self.c_operand(lo, local);
                let hi = self.c_operand(hi, local);
                self.check_misused(&[&x, &lo, &hi]);
                Self::check_distinct("BETWEEN", &x, &[&lo, &hi], local);
                Self::check_orderable("BETWEEN", &[&x, &lo, &hi], local);
                if let (Operand::Value(l), Operand::Value(h)) = (&lo.op, &hi.op)
                    && lo.immediate.is_some()
                    && hi.immediate.is_some()
                {
                    if l.value_type() != h.value_type() {
                        local.set(Cat::Function, format!(
                            "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                            bound_text(l), bound_text(h)));
                    } else if l.compare(h) == Some(std::cmp::Ordering::Greater) {
                        local.set(Cat::Function, format!(
                            "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                            bound_text(l), bound_text(h)));
                    }
                }
                Cond::Between(x.op, lo.op, hi.op)
            }
            RawCond::In(x, list) => {
                let x = self.c_operand(x, local);
                let list: Vec<ROp> = list.iter().map(|o| self.c_operand(o, local)).collect();
                let mut all: Vec<&ROp> = vec![&x];
                all.extend(list.iter());
                self.check_misused(&all);
                Self::check_distinct("IN", &x, &all[1..], local);
                if list.len() > 100 {
                    local.set(
                        Cat::Function,
                        format!(
                            "The IN operator is provided with too many operands; number of operands: {}",
                            list.len()
                        ),
                    );
                }
                Cond::In(x.op, list.into_iter().map(|o| o.op).collect())
            }
            RawCond::Call { name, args } => {
                if name == "size" {
                    self.slots.set(Cat::MisusedFunction, misused(name));
                }
                match self.c_call(name, args, local).0 {
                    Built::Cond(c) => c,
                    _ => Cond::True,
                }
            }
            RawCond::Or(..) | RawCond::And(..) | RawCond::Not(..) => self.cond(raw),
        }
    }

    /// A function call in a condition: checks, then the condition (or `size` operand) built.
    fn c_call(
        &mut self,
        name: &str,
        raw_args: &[RawOperand],
        local: &mut Slots,
    ) -> (Built, Option<&'static str>) {
        let args: Vec<ROp> = raw_args.iter().map(|a| self.c_operand(a, local)).collect();
        let refs: Vec<&ROp> = args.iter().collect();
        self.check_misused(&refs);
        let Some(expected) = arity(CONDITION_FUNCTIONS, name) else {
            let msg = if arity(UPDATE_FUNCTIONS, name).is_some() {
                format!("The function is not allowed in a condition expression; function: {name}")
            } else {
                format!("Invalid function name; function: {name}")
            };
            self.slots.set(Cat::UnknownFunction, msg);
            return (Built::Nothing, None);
        };
        if expected != args.len() {
            local.set(Cat::Operand, operand_count(name, args.len()));
            return (Built::Nothing, None);
        }
        if args.len() == 2 {
            Self::check_distinct(name, &args[0], &[&args[1]], local);
        }
        let mut it = args.into_iter();
        // The arity was checked above; a missing operand is only defensive.
        let Some(a) = it.next() else {
            return (Built::Nothing, None);
        };
        let b = it.next();
        match name {
            "attribute_exists" | "attribute_not_exists" => {
                let Some(p) = a.path().cloned() else {
                    local.set(Cat::Function, requires_path(name));
                    return (Built::Nothing, None);
                };
                let c = if name == "attribute_exists" {
                    Cond::AttributeExists(p)
                } else {
                    Cond::AttributeNotExists(p)
                };
                (Built::Cond(c), None)
            }
            "begins_with" => {
                let Some(b) = b else {
                    return (Built::Nothing, None);
                };
                for t in [a.static_ty, b.static_ty].into_iter().flatten() {
                    if t != "S" && t != "B" {
                        local.set(Cat::Function, operand_type(name, t));
                        break;
                    }
                }
                (Built::Cond(Cond::BeginsWith(a.op, b.op)), Some("BOOL"))
            }
            "attribute_type" => {
                let Some(b) = b else {
                    return (Built::Nothing, None);
                };
                match (&b.op, b.static_ty) {
                    (Operand::Value(AttributeValue::S(t)), Some("S")) => {
                        if ValueType::parse(t).is_none() {
                            local.set(Cat::Function, format!(
                                "Invalid attribute type name found; type: {t}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}"));
                        }
                    }
                    (_, ty) => {
                        let ty = ty.unwrap_or("{NS,SS,L,BS,N,M,B,BOOL,NULL,S}");
                        local.set(Cat::Function, operand_type(name, ty));
                    }
                }
                (Built::Cond(Cond::AttributeType(a.op, b.op)), Some("BOOL"))
            }
            "contains" => {
                let Some(b) = b else {
                    return (Built::Nothing, None);
                };
                (Built::Cond(Cond::Contains(a.op, b.op)), Some("BOOL"))
            }
            _ => {
                // size
                if let Some(t) = a.static_ty.filter(|t| matches!(*t, "N" | "BOOL" | "NULL")) {
                    local.set(Cat::Function, operand_type(name, t));
                }
                (Built::Size(a.op), Some("N"))
            }
        }
    }

    // ---- update ------------------------------------------------------------------------------

    pub(crate) fn update(mut self, parsed: &ParsedUpdate) -> Result<Vec<UpdateAction>, String> {
        let mut seen = Vec::new();
        let mut actions = Vec::new();
        for (section, raws) in &parsed.sections {
            if seen.contains(section) {
                self.slots.set(
                    Cat::Section,
                    format!(
                        "The \"{}\" section can only be used once in an update expression;",
                        section.keyword()
                    ),
                );
            }
            seen.push(*section);
            for raw in raws {
                let action = self.action(raw);
                self.check_path(&action.path());
                actions.push(action);
            }
        }
        match self.slots.first(UPDATE_ORDER) {
            Some(m) => Err(m),
            None => Ok(actions),
        }
    }

    fn u_path(&mut self, raw: &RawPath) -> Path {
        let (p, undefined) = self.path(raw);
        if let Some(m) = undefined {
            self.slots.set(Cat::AttrName, m);
        }
        p
    }

    fn u_value(&mut self, ph: &str) -> Option<AttributeValue> {
        let v = self.params.value(ph);
        if v.is_none() {
            self.slots.set(Cat::AttrVal, undefined_value(ph));
        }
        v
    }

    fn action(&mut self, raw: &RawAction) -> UpdateAction {
        match raw {
            RawAction::Set(p, v) => {
                let path = self.u_path(p);
                let value = self.set_value(v);
                UpdateAction::Set(path, value)
            }
            RawAction::Remove(p) => UpdateAction::Remove(self.u_path(p)),
            RawAction::Add(p, ph) | RawAction::Delete(p, ph) => {
                let is_add = matches!(raw, RawAction::Add(..));
                let path = self.u_path(p);
                let value = self.u_value(ph).unwrap_or(AttributeValue::Null);
                let op = if is_add { "ADD" } else { "DELETE" };
                let word = match value.value_type() {
                    ValueType::S => Some("STRING"),
                    ValueType::N if !is_add => Some("NUMBER"),
                    ValueType::B => Some("BINARY"),
                    ValueType::Null => Some("NULL"),
                    ValueType::Bool => Some("BOOLEAN"),
                    ValueType::L => Some("LIST"),
                    ValueType::M => Some("MAP"),
                    _ => None,
                };
                if let Some(word) = word.filter(|_| self.params_ok_for(ph)) {
                    self.slots.set(
                        Cat::Operand,
                        format!("Incorrect operand type for operator or function; operator: {op}, operand type: {word}"),
                    );
                }
                if is_add {
                    UpdateAction::Add(path, value)
                } else {
                    UpdateAction::Delete(path, value)
                }
            }
        }
    }

    /// Whether `ph` resolved (an undefined value is reported as such, not as a type error).
    fn params_ok_for(&mut self, ph: &str) -> bool {
        self.params.value(ph).is_some()
    }

    fn set_value(&mut self, raw: &RawOperand) -> SetValue {
        match raw {
            RawOperand::Plus(a, b) | RawOperand::Minus(a, b) => {
                let plus = matches!(raw, RawOperand::Plus(..));
                let name = if plus { "+" } else { "-" };
                let (a, ta) = self.s_operand(a);
                let (b, tb) = self.s_operand(b);
                if let Some(t) = [ta, tb].into_iter().flatten().find(|t| *t != ValueType::N) {
                    self.slots
                        .set(Cat::Function, operand_type(name, t.as_str()));
                }
                if plus {
                    SetValue::Plus(a, b)
                } else {
                    SetValue::Minus(a, b)
                }
            }
            other => SetValue::Operand(self.s_operand(other).0),
        }
    }

    /// An update operand with its literal ("immediate") type; nested functions
    /// (`list_append(list_append(…))`) grow the stack as [`Resolver::c_operand`] does.
    fn s_operand(&mut self, raw: &RawOperand) -> (SetOperand, Option<ValueType>) {
        stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || self.s_operand_level(raw))
    }

    fn s_operand_level(&mut self, raw: &RawOperand) -> (SetOperand, Option<ValueType>) {
        match raw {
            RawOperand::Path(p) => (SetOperand::Path(self.u_path(p)), None),
            RawOperand::Value(ph) => match self.u_value(ph) {
                Some(v) => {
                    let t = v.value_type();
                    (SetOperand::Value(v), Some(t))
                }
                None => (SetOperand::Value(AttributeValue::Null), None),
            },
            RawOperand::Call { name, args } => {
                let resolved: Vec<(SetOperand, Option<ValueType>)> =
                    args.iter().map(|a| self.s_operand(a)).collect();
                let dummy = (SetOperand::Value(AttributeValue::Null), None);
                let Some(expected) = arity(UPDATE_FUNCTIONS, name) else {
                    let msg = if arity(CONDITION_FUNCTIONS, name).is_some() {
                        format!(
                            "The function is not allowed in an update expression; function: {name}"
                        )
                    } else {
                        format!("Invalid function name; function: {name}")
                    };
                    self.slots.set(Cat::UnknownFunction, msg);
                    return dummy;
                };
                if expected != resolved.len() {
                    self.slots
                        .set(Cat::Function, operand_count(name, resolved.len()));
                    return dummy;
                }
                let mut it = resolved.into_iter();
                let (Some((a, ta)), Some((b, tb))) = (it.next(), it.next()) else {
                    return dummy;
                };
                if name == "if_not_exists" {
                    let SetOperand::Path(p) = a else {
                        self.slots.set(Cat::Function, requires_path(name));
                        return dummy;
                    };
                    if matches!(&b, SetOperand::Path(q) if *q == p) {
                        self.slots.set(Cat::Function, distinct(name, &p));
                    }
                    (SetOperand::IfNotExists(p, Box::new(b)), tb)
                } else {
                    if let Some(t) = [ta, tb].into_iter().flatten().find(|t| *t != ValueType::L) {
                        self.slots
                            .set(Cat::Function, operand_type(name, t.as_str()));
                    }
                    (SetOperand::ListAppend(Box::new(a), Box::new(b)), None)
                }
            }
            RawOperand::Plus(..) | RawOperand::Minus(..) => {
                // Not produced in operand position by the grammar.
                (SetOperand::Value(AttributeValue::Null), None)
            }
        }
    }

    // ---- projection ---------------------------------------------------------------------------

    pub(crate) fn projection(mut self, raws: &[RawPath]) -> Result<Vec<Path>, String> {
        let mut out = Vec::with_capacity(raws.len());
        for raw in raws {
            let (p, undefined) = self.path(raw);
            if let Some(m) = undefined {
                self.slots.set(Cat::AttrNameVal, m);
            }
            self.check_path(&p);
            out.push(p);
        }
        match self.slots.first(PROJECTION_ORDER) {
            Some(m) => Err(m),
            None => Ok(out),
        }
    }

    /// Whether any error has been recorded (used by tests).
    #[cfg(test)]
    fn has_errors(&self) -> bool {
        self.slots.any()
    }
}

enum Built {
    Cond(Cond),
    Size(Operand),
    Nothing,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_condition;

    #[test]
    fn slots_keep_first_per_category_and_report_by_precedence() {
        let mut s = Slots::default();
        s.set(Cat::Function, "f1");
        s.set(Cat::Function, "f2");
        s.set(Cat::Operand, "o1");
        assert_eq!(s.first(PREDICATE_ORDER).as_deref(), Some("o1"));
        assert!(s.any());
    }

    #[test]
    fn clean_condition_records_nothing() {
        let mut params = Params::new(
            None,
            Some([(":v".to_string(), AttributeValue::Null)].into()),
        );
        let parsed = parse_condition("a = :v").unwrap();
        let mut r = Resolver::new(&mut params);
        let c = r.cond(&parsed.cond);
        assert!(!r.has_errors());
        assert_eq!(
            c,
            Cond::Cmp(
                CmpOp::Eq,
                Operand::Path(Path::attr("a")),
                Operand::Value(AttributeValue::Null)
            )
        );
    }
}
