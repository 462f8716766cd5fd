//! Criteria: CEL expressions over a [`ModelProfile`], type-checked when a
//! benchmark set is loaded and evaluated with three-valued logic.
//!
//! The `cel` crate parses; checking and evaluation are done here because the
//! crate has neither a type checker (a type error must be caught when an
//! agency loads its set, not when a developer's model is classified) nor
//! unknown values (a missing fact must make a criterion *unknown*, never
//! false). Only a subset of CEL is accepted, every part of it with the
//! standard's meaning; `docs/benchmarks.md` lists it.
//!
//! Unknowns follow CEL's commutative semantics for unknowns and errors:
//! `true || unknown` is true, `false && unknown` is false, and everything
//! else that touches an unknown is unknown.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, LiteralValue, SourceInfo, operators,
};

use crate::profile::{Field, FieldType, ModelProfile};

/// Longest criterion accepted, in bytes: criteria are short; a limit keeps
/// the parser and checker far from their recursion limits.
pub const MAX_EXPRESSION_BYTES: usize = 4096;
/// Deepest expression tree accepted (a chain `a + b + …` is as deep as it is
/// long; a chain of `&&` or `||` counts as one level).
pub const MAX_DEPTH: usize = 100;
/// Stack of the thread that parses and checks a criterion (reserved address
/// space; only what is used is touched).
const PARSER_STACK_BYTES: usize = 64 * 1024 * 1024;
/// Deepest nesting of brackets and conditionals (`?:`) accepted.
pub const MAX_NESTING: usize = 64;
/// Most operators accepted: the parser recurses once per operator of a
/// chain like `a + b + c`, and would overflow the stack on a few thousand.
pub const MAX_OPERATORS: usize = 512;

/// What went wrong with a criterion's expression, and where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CelError {
    pub kind: CelErrorKind,
    /// 1-based line within the expression.
    pub line: usize,
    /// 1-based column (in characters) within that line.
    pub column: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CelErrorKind {
    Syntax,
    Type,
}

impl std::fmt::Display for CelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            CelErrorKind::Syntax => "syntax error",
            CelErrorKind::Type => "type error",
        };
        write!(
            f,
            "CEL {kind} at {}:{}: {}",
            self.line, self.column, self.message
        )
    }
}

/// A profile fact a criterion reads, named as in `missing` lists:
/// `training_compute_flop`, `evals.cybench`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Read {
    Field(Field),
    Score(Box<str>),
    Flag(Box<str>),
}

impl Read {
    fn is_present(&self, p: &ModelProfile) -> bool {
        match self {
            Read::Field(f) => f.is_present(p),
            Read::Score(k) => p.evals.contains_key(&**k),
            Read::Flag(k) => p.dual_use.contains_key(&**k),
        }
    }

    pub(crate) fn path(&self) -> String {
        match self {
            Read::Field(f) => f.name().to_owned(),
            Read::Score(k) => format!("evals.{k}"),
            Read::Flag(k) => format!("dual_use.{k}"),
        }
    }
}

/// A checked criterion, ready to evaluate.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    root: Node,
    slots: usize,
    /// Every fact the expression reads (presence tests excluded), sorted.
    reads: Vec<Read>,
    /// For each read as the checker met it (the index its node carries),
    /// its place in `reads`.
    read_index: Vec<usize>,
}

/// The value of a criterion for one profile.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verdict {
    True,
    False,
    /// Reads facts the profile lacks; they are listed.
    Unknown(Vec<String>),
    /// A runtime error (integer overflow, division by zero), which the
    /// checker cannot rule out. Counted as unknown, never as false.
    Error(String),
}

impl Program {
    /// Parses and checks `source`. The work runs on a thread of its own with
    /// a large stack: cel's generated parser recurses deeply (some 10 kB of
    /// stack per bracket level in a debug build), and a panic inside it
    /// becomes an error instead of taking the caller down.
    pub(crate) fn compile(source: &str) -> Result<Program, CelError> {
        let failed = |message: String| CelError {
            kind: CelErrorKind::Syntax,
            line: 1,
            column: 1,
            message,
        };
        std::thread::scope(|scope| {
            let worker = std::thread::Builder::new()
                .name("cel-compile".into())
                .stack_size(PARSER_STACK_BYTES)
                .spawn_scoped(scope, || Program::compile_here(source))
                .map_err(|e| failed(format!("cannot start the parser: {e}")))?;
            worker
                .join()
                .unwrap_or_else(|_| Err(failed("the parser failed on this expression".into())))
        })
    }

    fn compile_here(source: &str) -> Result<Program, CelError> {
        if source.len() > MAX_EXPRESSION_BYTES {
            return Err(CelError {
                kind: CelErrorKind::Syntax,
                line: 1,
                column: 1,
                message: format!(
                    "expression is {} bytes long; the limit is {MAX_EXPRESSION_BYTES}",
                    source.len()
                ),
            });
        }
        if let Some(((line, column), message)) = too_complex(source) {
            return Err(CelError {
                kind: CelErrorKind::Syntax,
                line,
                column,
                message: format!("too complex: {message}"),
            });
        }
        let (expr, info) = cel::parser::Parser::default()
            .parse_with_source_info(source)
            .map_err(|errors| {
                let first = errors.errors.first();
                let (line, column) = first
                    .map(|e| (e.pos.0.max(1) as usize, e.pos.1.max(1) as usize))
                    .unwrap_or((1, 1));
                CelError {
                    kind: CelErrorKind::Syntax,
                    line,
                    column,
                    message: first
                        .map(|e| e.msg.trim_start_matches("Syntax error: ").to_owned())
                        .unwrap_or_else(|| "cannot parse".to_owned()),
                }
            })?;
        let mut checker = Checker {
            info: &info,
            source,
            scope: Vec::new(),
            slots: 0,
            reads: Vec::new(),
        };
        if depth(&expr) > MAX_DEPTH {
            let mut e = checker.error(
                &expr,
                format!("too complex: expression nests deeper than {MAX_DEPTH} levels"),
            );
            e.kind = CelErrorKind::Syntax;
            return Err(e);
        }
        let (root, ty) = checker.check(&expr)?;
        if ty != Ty::Bool {
            return Err(checker.error(
                &expr,
                format!("a criterion must be a bool expression, this one is {ty}"),
            ));
        }
        let met = checker.reads;
        let mut reads = met.clone();
        reads.sort_by_key(Read::path);
        reads.dedup();
        let read_index = met
            .iter()
            .map(|r| reads.iter().position(|x| x == r).unwrap_or_default())
            .collect();
        Ok(Program {
            root,
            slots: checker.slots,
            reads,
            read_index,
        })
    }

    pub(crate) fn reads(&self) -> &[Read] {
        &self.reads
    }

    pub(crate) fn evaluate(&self, profile: &ModelProfile) -> Verdict {
        let mut slots = vec![V::Unknown(Vec::new()); self.slots];
        match eval(&self.root, profile, &mut slots) {
            V::Bool(true) => Verdict::True,
            V::Bool(false) => Verdict::False,
            V::Error(e) => Verdict::Error(e.message().to_owned()),
            // The facts the unknown came from: those whose value could
            // change the result.
            V::Unknown(lacks) if !lacks.is_empty() => {
                let paths: std::collections::BTreeSet<String> = lacks
                    .iter()
                    .map(|l| match l {
                        Lack::Read(i) => self
                            .read_index
                            .get(*i)
                            .and_then(|&j| self.reads.get(j))
                            .map(Read::path)
                            .unwrap_or_default(),
                        Lack::Key(MapField::Scores, k) => format!("evals.{k}"),
                        Lack::Key(MapField::Flags, k) => format!("dual_use.{k}"),
                    })
                    .collect();
                Verdict::Unknown(paths.into_iter().collect())
            }
            // Not reached (an unknown comes from a read of a missing fact);
            // every missing fact read is the safe answer.
            _ => Verdict::Unknown(
                self.reads
                    .iter()
                    .filter(|r| !r.is_present(profile))
                    .map(Read::path)
                    .collect(),
            ),
        }
    }
}

// ---------------------------------------------------------------- types

#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Bool,
    Int,
    Uint,
    Double,
    String,
    Timestamp,
    ScoreMap,
    FlagMap,
    List(Box<Ty>),
}

impl Ty {
    fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Uint | Ty::Double)
    }

    fn from_field(t: FieldType) -> Ty {
        match t {
            FieldType::String => Ty::String,
            FieldType::Timestamp => Ty::Timestamp,
            FieldType::Double => Ty::Double,
            FieldType::Bool => Ty::Bool,
            FieldType::ScoreMap => Ty::ScoreMap,
            FieldType::FlagMap => Ty::FlagMap,
        }
    }
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Uint => f.write_str("uint"),
            Ty::Double => f.write_str("double"),
            Ty::String => f.write_str("string"),
            Ty::Timestamp => f.write_str("timestamp"),
            Ty::ScoreMap => f.write_str("map(string, double)"),
            Ty::FlagMap => f.write_str("map(string, bool)"),
            Ty::List(t) => write!(f, "list({t})"),
        }
    }
}

// ---------------------------------------------------------------- nodes

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum MapField {
    Scores,
    Flags,
}

#[derive(Debug, Clone, Copy)]
enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy)]
enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Debug, Clone, Copy)]
enum StrFn {
    StartsWith,
    EndsWith,
    Contains,
}

#[derive(Debug, Clone)]
enum Lit {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    Str(Box<str>),
    Ts(i128),
}

#[derive(Debug, Clone)]
enum Node {
    Lit(Lit),
    /// A scalar top-level field, with the index of its read (none for
    /// `name`, which is never missing).
    Field(Field, Option<usize>),
    /// `evals` or `dual_use` as a whole (never missing).
    Map(MapField),
    /// `evals.KEY`, `evals["KEY"]`: a read that may be missing, with its
    /// index.
    Entry(MapField, Box<str>, usize),
    /// `evals[k]` with a computed key.
    DynEntry(MapField, Box<Node>),
    /// `has(evals.KEY)`
    Has(MapField, Box<str>),
    Var(usize),
    Not(Box<Node>),
    Neg(Box<Node>),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Cond(Box<(Node, Node, Node)>),
    Cmp(CmpOp, Box<Node>, Box<Node>),
    Eq(bool, Box<Node>, Box<Node>),
    Arith(ArithOp, Box<Node>, Box<Node>),
    InList(Box<Node>, Box<Node>),
    InMap(Box<Node>, Box<Node>),
    Size(Box<Node>),
    Str(StrFn, Box<Node>, Box<Node>),
    ToDouble(Box<Node>),
    ToInt(Box<Node>),
    List(Vec<Node>),
    NotStrictlyFalse(Box<Node>),
    Fold(Box<Fold>),
}

#[derive(Debug, Clone)]
struct Fold {
    range: Node,
    iter_slot: usize,
    accu_slot: usize,
    init: Node,
    cond: Node,
    step: Node,
    result: Node,
}

// ---------------------------------------------------------------- checker

struct Checker<'a> {
    info: &'a SourceInfo,
    source: &'a str,
    /// Comprehension variables in scope, innermost last.
    scope: Vec<(String, Ty, usize)>,
    slots: usize,
    reads: Vec<Read>,
}

type Checked = Result<(Node, Ty), CelError>;

impl Checker<'_> {
    fn error(&self, at: &IdedExpr, message: impl Into<String>) -> CelError {
        let offset = self.info.offset_for(at.id).map(|(s, _)| s as usize);
        let (line, column) = offset.map(|o| line_col(self.source, o)).unwrap_or((1, 1));
        CelError {
            kind: CelErrorKind::Type,
            line,
            column,
            message: message.into(),
        }
    }

    fn check(&mut self, e: &IdedExpr) -> Checked {
        match &e.expr {
            Expr::Literal(lit) => self.literal(e, lit),
            Expr::Ident(name) => self.ident(e, name),
            Expr::Select(sel) => {
                let map = self.map_operand(&sel.operand).ok_or_else(|| {
                    self.error(
                        e,
                        format!(
                            "`.{}`: only `evals` and `dual_use` have fields; the profile's facts are read by name",
                            sel.field
                        ),
                    )
                })?;
                let key: Box<str> = sel.field.as_str().into();
                if sel.test {
                    Ok((Node::Has(map, key), Ty::Bool))
                } else {
                    Ok(self.entry(map, key))
                }
            }
            Expr::Call(call) => self.call(e, call),
            Expr::List(list) => {
                if !list.optional_indices.is_empty() {
                    return Err(self.error(e, "optional list elements are not supported"));
                }
                let Some(first) = list.elements.first() else {
                    return Err(self.error(e, "an empty list literal has no element type"));
                };
                let (n0, t0) = self.check(first)?;
                let mut nodes = vec![n0];
                for el in &list.elements[1..] {
                    let (n, t) = self.check(el)?;
                    if t != t0 {
                        return Err(self.error(
                            el,
                            format!("list elements must share one type: {t0} and {t}"),
                        ));
                    }
                    nodes.push(n);
                }
                Ok((Node::List(nodes), Ty::List(Box::new(t0))))
            }
            Expr::Comprehension(c) => self.fold(e, c),
            Expr::Map(_) => Err(self.error(e, "map literals are not supported in criteria")),
            Expr::Struct(_) => Err(self.error(e, "message literals are not supported in criteria")),
            Expr::Unspecified => Err(self.error(e, "incomplete expression")),
        }
    }

    fn literal(&mut self, e: &IdedExpr, lit: &LiteralValue) -> Checked {
        Ok(match lit {
            LiteralValue::Boolean(b) => (Node::Lit(Lit::Bool(*b.inner())), Ty::Bool),
            LiteralValue::Int(i) => (Node::Lit(Lit::Int(*i.inner())), Ty::Int),
            LiteralValue::UInt(u) => (Node::Lit(Lit::Uint(*u.inner())), Ty::Uint),
            LiteralValue::Double(d) => (Node::Lit(Lit::Double(*d.inner())), Ty::Double),
            LiteralValue::String(s) => (Node::Lit(Lit::Str(s.inner().into())), Ty::String),
            LiteralValue::Null => {
                return Err(self.error(
                    e,
                    "null is not supported: a missing fact is unknown, test presence with has(evals.NAME)",
                ));
            }
            LiteralValue::Bytes(_) => {
                return Err(self.error(e, "bytes are not supported in criteria"));
            }
        })
    }

    fn ident(&mut self, e: &IdedExpr, name: &str) -> Checked {
        if let Some((_, ty, slot)) = self.scope.iter().rev().find(|(n, _, _)| n == name) {
            return Ok((Node::Var(*slot), ty.clone()));
        }
        let Some(field) = Field::from_name(name) else {
            let known: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
            return Err(self.error(
                e,
                format!(
                    "unknown identifier `{name}`; a profile has: {}",
                    known.join(", ")
                ),
            ));
        };
        let ty = Ty::from_field(field.cel_type());
        Ok(match field {
            Field::Evals => (Node::Map(MapField::Scores), ty),
            Field::DualUse => (Node::Map(MapField::Flags), ty),
            _ => {
                let read = (field != Field::Name).then(|| self.read(Read::Field(field)));
                (Node::Field(field, read), ty)
            }
        })
    }

    /// `evals` or `dual_use` named directly (not shadowed by a variable).
    fn map_operand(&self, e: &IdedExpr) -> Option<MapField> {
        let Expr::Ident(name) = &e.expr else {
            return None;
        };
        if self.scope.iter().any(|(n, _, _)| n == name) {
            return None;
        }
        match Field::from_name(name)? {
            Field::Evals => Some(MapField::Scores),
            Field::DualUse => Some(MapField::Flags),
            _ => None,
        }
    }

    /// Records a read; its index goes into the node that reads.
    fn read(&mut self, r: Read) -> usize {
        self.reads.push(r);
        self.reads.len() - 1
    }

    fn entry(&mut self, map: MapField, key: Box<str>) -> (Node, Ty) {
        match map {
            MapField::Scores => {
                let i = self.read(Read::Score(key.clone()));
                (Node::Entry(map, key, i), Ty::Double)
            }
            MapField::Flags => {
                let i = self.read(Read::Flag(key.clone()));
                (Node::Entry(map, key, i), Ty::Bool)
            }
        }
    }

    fn call(&mut self, e: &IdedExpr, call: &CallExpr) -> Checked {
        let name = call.func_name.as_str();
        let args = &call.args;
        let target = call.target.as_deref();
        let arity = |n: usize| target.is_none() && args.len() == n;
        match name {
            operators::LOGICAL_NOT if arity(1) => {
                let a = self.expect(&args[0], &Ty::Bool, "`!`")?;
                Ok((Node::Not(Box::new(a)), Ty::Bool))
            }
            operators::NEGATE if arity(1) => {
                let (a, t) = self.check(&args[0])?;
                match t {
                    Ty::Int | Ty::Double => Ok((Node::Neg(Box::new(a)), t)),
                    other => Err(self.error(e, format!("no overload of unary `-` for {other}"))),
                }
            }
            operators::LOGICAL_AND | operators::LOGICAL_OR if arity(2) => {
                let and = name == operators::LOGICAL_AND;
                let what = if and { "`&&`" } else { "`||`" };
                // A chain `a || b || c …` is checked operand by operand and
                // evaluated as a balanced tree, so its length costs no depth.
                let mut nodes = Vec::new();
                for operand in logic_chain(e, name) {
                    nodes.push(self.expect(operand, &Ty::Bool, what)?);
                }
                Ok((balance(nodes, and), Ty::Bool))
            }
            operators::CONDITIONAL if arity(3) => {
                let c = self.expect(&args[0], &Ty::Bool, "the condition of `?:`")?;
                let (a, ta) = self.check(&args[1])?;
                let (b, tb) = self.check(&args[2])?;
                if ta != tb {
                    return Err(self.error(
                        e,
                        format!("the branches of `?:` must have one type: {ta} and {tb}"),
                    ));
                }
                Ok((Node::Cond(Box::new((c, a, b))), ta))
            }
            operators::EQUALS | operators::NOT_EQUALS if arity(2) => {
                let (a, ta) = self.check(&args[0])?;
                let (b, tb) = self.check(&args[1])?;
                let comparable = (ta.is_numeric() && tb.is_numeric())
                    || (ta == tb && !matches!(ta, Ty::ScoreMap | Ty::FlagMap));
                if !comparable {
                    let op = if name == operators::EQUALS {
                        "=="
                    } else {
                        "!="
                    };
                    return Err(self.error(e, format!("no overload of `{op}` for ({ta}, {tb})")));
                }
                Ok((
                    Node::Eq(name == operators::NOT_EQUALS, Box::new(a), Box::new(b)),
                    Ty::Bool,
                ))
            }
            operators::LESS
            | operators::LESS_EQUALS
            | operators::GREATER
            | operators::GREATER_EQUALS
                if arity(2) =>
            {
                let (op, sym) = match name {
                    operators::LESS => (CmpOp::Lt, "<"),
                    operators::LESS_EQUALS => (CmpOp::Le, "<="),
                    operators::GREATER => (CmpOp::Gt, ">"),
                    _ => (CmpOp::Ge, ">="),
                };
                let (a, ta) = self.check(&args[0])?;
                let (b, tb) = self.check(&args[1])?;
                let ordered = (ta.is_numeric() && tb.is_numeric())
                    || (ta == tb && matches!(ta, Ty::String | Ty::Timestamp | Ty::Bool));
                if !ordered {
                    return Err(self.error(e, format!("no overload of `{sym}` for ({ta}, {tb})")));
                }
                Ok((Node::Cmp(op, Box::new(a), Box::new(b)), Ty::Bool))
            }
            operators::ADD
            | operators::SUBSTRACT
            | operators::MULTIPLY
            | operators::DIVIDE
            | operators::MODULO
                if arity(2) =>
            {
                let (op, sym) = match name {
                    operators::ADD => (ArithOp::Add, "+"),
                    operators::SUBSTRACT => (ArithOp::Sub, "-"),
                    operators::MULTIPLY => (ArithOp::Mul, "*"),
                    operators::DIVIDE => (ArithOp::Div, "/"),
                    _ => (ArithOp::Rem, "%"),
                };
                let (a, ta) = self.check(&args[0])?;
                let (b, tb) = self.check(&args[1])?;
                let ok = ta == tb
                    && match op {
                        ArithOp::Rem => matches!(ta, Ty::Int | Ty::Uint),
                        _ => ta.is_numeric(),
                    };
                if !ok {
                    let hint = if ta.is_numeric() && tb.is_numeric() {
                        " (CEL does not mix int and double in arithmetic: write 6.0, not 6)"
                    } else {
                        ""
                    };
                    return Err(
                        self.error(e, format!("no overload of `{sym}` for ({ta}, {tb}){hint}"))
                    );
                }
                Ok((Node::Arith(op, Box::new(a), Box::new(b)), ta))
            }
            operators::INDEX if arity(2) => {
                let Some(map) = self.map_operand(&args[0]) else {
                    return Err(
                        self.error(e, "only `evals[...]` and `dual_use[...]` can be indexed")
                    );
                };
                if let Expr::Literal(LiteralValue::String(key)) = &args[1].expr {
                    return Ok(self.entry(map, key.inner().into()));
                }
                let k = self.expect(&args[1], &Ty::String, "a map key")?;
                let ty = match map {
                    MapField::Scores => Ty::Double,
                    MapField::Flags => Ty::Bool,
                };
                Ok((Node::DynEntry(map, Box::new(k)), ty))
            }
            operators::IN if arity(2) => {
                let (a, ta) = self.check(&args[0])?;
                let (b, tb) = self.check(&args[1])?;
                match &tb {
                    Ty::ScoreMap | Ty::FlagMap if ta == Ty::String => {
                        Ok((Node::InMap(Box::new(a), Box::new(b)), Ty::Bool))
                    }
                    Ty::List(el) if **el == ta || (el.is_numeric() && ta.is_numeric()) => {
                        Ok((Node::InList(Box::new(a), Box::new(b)), Ty::Bool))
                    }
                    _ => Err(self.error(e, format!("no overload of `in` for ({ta}, {tb})"))),
                }
            }
            operators::NOT_STRICTLY_FALSE if arity(1) => {
                let a = self.expect(&args[0], &Ty::Bool, "a loop condition")?;
                Ok((Node::NotStrictlyFalse(Box::new(a)), Ty::Bool))
            }
            "size"
                if (target.is_none() && args.len() == 1)
                    || (target.is_some() && args.is_empty()) =>
            {
                let arg = target.unwrap_or_else(|| &args[0]);
                let (a, t) = self.check(arg)?;
                match t {
                    Ty::String | Ty::List(_) | Ty::ScoreMap | Ty::FlagMap => {
                        Ok((Node::Size(Box::new(a)), Ty::Int))
                    }
                    other => Err(self.error(e, format!("no overload of `size` for {other}"))),
                }
            }
            "startsWith" | "endsWith" | "contains" if target.is_some() && args.len() == 1 => {
                let f = match name {
                    "startsWith" => StrFn::StartsWith,
                    "endsWith" => StrFn::EndsWith,
                    _ => StrFn::Contains,
                };
                let what = format!("`{name}`");
                let Some(receiver) = target else {
                    return Err(self.error(e, "missing receiver"));
                };
                let s = self.expect(receiver, &Ty::String, &what)?;
                let t = self.expect(&args[0], &Ty::String, &what)?;
                Ok((Node::Str(f, Box::new(s), Box::new(t)), Ty::Bool))
            }
            "double" if arity(1) => {
                let (a, t) = self.check(&args[0])?;
                if !t.is_numeric() {
                    return Err(self.error(e, format!("no overload of `double` for {t}")));
                }
                Ok((Node::ToDouble(Box::new(a)), Ty::Double))
            }
            "int" if arity(1) => {
                let (a, t) = self.check(&args[0])?;
                if !t.is_numeric() {
                    return Err(self.error(e, format!("no overload of `int` for {t}")));
                }
                Ok((Node::ToInt(Box::new(a)), Ty::Int))
            }
            "timestamp" if arity(1) => {
                let Expr::Literal(LiteralValue::String(text)) = &args[0].expr else {
                    return Err(self.error(
                        e,
                        "timestamp() takes a string literal, e.g. timestamp(\"2025-01-01T00:00:00Z\")",
                    ));
                };
                let ts = time::OffsetDateTime::parse(
                    text.inner(),
                    &time::format_description::well_known::Rfc3339,
                )
                .map_err(|err| {
                    self.error(
                        &args[0],
                        format!("{:?} is not an RFC 3339 timestamp: {err}", text.inner()),
                    )
                })?;
                Ok((Node::Lit(Lit::Ts(ts.unix_timestamp_nanos())), Ty::Timestamp))
            }
            _ => Err(self.error(
                e,
                format!(
                    "`{}` is not supported in criteria with {} argument(s){}",
                    display_op(name),
                    args.len(),
                    if target.is_some() {
                        " on a receiver"
                    } else {
                        ""
                    }
                ),
            )),
        }
    }

    fn expect(&mut self, e: &IdedExpr, want: &Ty, what: &str) -> Result<Node, CelError> {
        let (n, t) = self.check(e)?;
        if &t != want {
            return Err(self.error(e, format!("{what} needs {want}, found {t}")));
        }
        Ok(n)
    }

    fn fold(&mut self, e: &IdedExpr, c: &ComprehensionExpr) -> Checked {
        if c.iter_var2.is_some() {
            return Err(self.error(e, "two-variable comprehensions are not supported"));
        }
        let (range, range_ty) = self.check(&c.iter_range)?;
        let elem = match &range_ty {
            Ty::ScoreMap | Ty::FlagMap => Ty::String,
            Ty::List(t) => (**t).clone(),
            other => {
                return Err(self.error(&c.iter_range, format!("cannot iterate over {other}")));
            }
        };
        let builds_list = matches!(c.accu_init.expr, Expr::List(_));
        let (init, accu_ty) = if builds_list {
            (Node::Lit(Lit::Bool(false)), Ty::List(Box::new(Ty::Bool)))
        } else {
            self.check(&c.accu_init)?
        };
        if !matches!(accu_ty, Ty::Bool | Ty::Int) {
            // map() and filter() build lists; only all/exists/exists_one are supported.
            return Err(self.error(
                e,
                "only the all(), exists() and exists_one() macros are supported",
            ));
        }
        let iter_slot = self.slots;
        let accu_slot = self.slots + 1;
        self.slots += 2;
        self.scope
            .push((c.accu_var.clone(), accu_ty.clone(), accu_slot));
        self.scope.push((c.iter_var.clone(), elem, iter_slot));
        let body = self
            .check(&c.loop_cond)
            .and_then(|cond| Ok((cond, self.check(&c.loop_step)?)));
        self.scope.pop();
        let result = self.check(&c.result);
        self.scope.pop();
        let ((cond, cond_ty), (step, step_ty)) = body?;
        let (result, result_ty) = result?;
        if cond_ty != Ty::Bool || step_ty != accu_ty {
            return Err(self.error(e, "malformed comprehension"));
        }
        Ok((
            Node::Fold(Box::new(Fold {
                range,
                iter_slot,
                accu_slot,
                init,
                cond,
                step,
                result,
            })),
            result_ty,
        ))
    }
}

fn display_op(name: &str) -> &str {
    match name {
        operators::INDEX => "[]",
        operators::OPT_INDEX => "[?]",
        operators::OPT_SELECT => ".?",
        other => other.trim_matches('_').trim_start_matches('@'),
    }
}

/// 1-based line and column (in characters) of a byte offset, as the parser
/// reports offsets.
fn line_col(source: &str, byte_offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for (_, c) in source.char_indices().take_while(|(i, _)| *i < byte_offset) {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// Where an expression first gets too complex to parse safely, outside
/// string literals: brackets and conditionals (`?`) nesting deeper than
/// [`MAX_NESTING`], or more than [`MAX_OPERATORS`] operators. Checked before
/// parsing: the parser recurses on each and would overflow the stack on a
/// few thousand of them.
fn too_complex(source: &str) -> Option<((usize, usize), String)> {
    let mut depth = 0usize;
    let mut conditionals = 0usize;
    let mut operators = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut previous = ' ';
    let mut chars = source.char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        let next = chars.peek().map_or(' ', |(_, n)| *n);
        let in_run = "+-*/%<>=!&|".contains(previous);
        previous = c;
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        // A run like `&&` or `>=` is one operator; the dot of `0.5` is none.
        let decimal_point = c == '.' && next.is_ascii_digit();
        let operator = ("+-*/%<>=!&|".contains(c) && !in_run)
            || "?[(".contains(c)
            || (c == '.' && !decimal_point);
        if operator {
            operators += 1;
            if operators > MAX_OPERATORS {
                return Some((
                    line_col(source, offset),
                    format!("more than {MAX_OPERATORS} operators"),
                ));
            }
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '?' => conditionals += 1,
            _ => continue,
        }
        if depth + conditionals > MAX_NESTING {
            return Some((
                line_col(source, offset),
                format!("brackets and `?:` nest deeper than {MAX_NESTING} levels"),
            ));
        }
    }
    None
}

/// The operands of a chain of one logical operator, left to right, found
/// without recursion.
fn logic_chain<'e>(e: &'e IdedExpr, op: &str) -> Vec<&'e IdedExpr> {
    let mut out = Vec::new();
    let mut stack = vec![e];
    while let Some(x) = stack.pop() {
        match &x.expr {
            Expr::Call(c) if c.func_name == op && c.target.is_none() && c.args.len() == 2 => {
                stack.push(&c.args[1]);
                stack.push(&c.args[0]);
            }
            _ => out.push(x),
        }
    }
    out
}

/// A balanced `&&` (or `||`) tree over `nodes`, which are in source order.
/// The logic is associative and commutative, so the shape changes nothing
/// but the depth.
fn balance(mut nodes: Vec<Node>, and: bool) -> Node {
    if nodes.len() == 1 {
        return nodes.pop().unwrap_or(Node::Lit(Lit::Bool(and)));
    }
    let right = nodes.split_off(nodes.len() / 2);
    let (l, r) = (Box::new(balance(nodes, and)), Box::new(balance(right, and)));
    if and { Node::And(l, r) } else { Node::Or(l, r) }
}

/// Depth of the tree, without recursion (so an absurd input cannot overflow
/// the stack before it is refused).
fn depth(root: &IdedExpr) -> usize {
    let mut max = 0;
    let mut stack = vec![(root, 1usize)];
    while let Some((e, d)) = stack.pop() {
        max = max.max(d);
        let logic = |x: &IdedExpr| match &x.expr {
            Expr::Call(c)
                if c.func_name == operators::LOGICAL_AND
                    || c.func_name == operators::LOGICAL_OR =>
            {
                Some(c.func_name.clone())
            }
            _ => None,
        };
        let op = logic(e);
        for c in children(e) {
            // a chain of one logical operator is checked flat
            let same = op.is_some() && logic(c) == op;
            stack.push((c, if same { d } else { d + 1 }));
        }
    }
    max
}

fn children(e: &IdedExpr) -> Vec<&IdedExpr> {
    match &e.expr {
        Expr::Call(call) => call
            .target
            .as_deref()
            .into_iter()
            .chain(&call.args)
            .collect(),
        Expr::Select(s) => vec![&*s.operand],
        Expr::List(l) => l.elements.iter().collect(),
        Expr::Map(m) => m
            .entries
            .iter()
            .flat_map(|entry| match &entry.expr {
                EntryExpr::MapEntry(me) => vec![&me.key, &me.value],
                EntryExpr::StructField(sf) => vec![&sf.value],
            })
            .collect(),
        Expr::Struct(s) => s
            .entries
            .iter()
            .filter_map(|entry| match &entry.expr {
                EntryExpr::StructField(sf) => Some(&sf.value),
                EntryExpr::MapEntry(_) => None,
            })
            .collect(),
        Expr::Comprehension(c) => vec![
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ],
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

// ---------------------------------------------------------------- evaluation

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EvalError {
    Overflow,
    DivisionByZero,
    IntRange,
}

impl EvalError {
    fn message(self) -> &'static str {
        match self {
            EvalError::Overflow => "integer overflow",
            EvalError::DivisionByZero => "division by zero",
            EvalError::IntRange => "double out of the range of int",
        }
    }
}

/// A fact an unknown value lacks: a read of the program (its index as
/// met by the checker), or a score or flag named by a computed key
/// (`['a', 'b'].exists(k, evals[k] > 0.5)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Lack<'a> {
    Read(usize),
    Key(MapField, &'a str),
}

/// Adds `more` to the sorted, deduplicated `lacks`.
fn union<'a>(lacks: &mut Vec<Lack<'a>>, more: &[Lack<'a>]) {
    lacks.extend_from_slice(more);
    lacks.sort_unstable();
    lacks.dedup();
}

#[derive(Debug, Clone)]
enum V<'a> {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Double(f64),
    Str(&'a str),
    Ts(i128),
    Scores(&'a BTreeMap<String, f64>),
    Flags(&'a BTreeMap<String, bool>),
    List(Vec<V<'a>>),
    /// Unknown for want of these facts (sorted, deduplicated): only those
    /// whose unknown value reached this one, so a fact in a branch that
    /// known facts decided is not among them.
    Unknown(Vec<Lack<'a>>),
    Error(EvalError),
}

/// Strict argument handling: unknown wins over error, error over a value;
/// an unknown lacks what every unknown argument lacks.
macro_rules! strict {
    ($($v:expr),+) => {
        if false $(|| matches!($v, V::Unknown(_)))+ {
            let mut lacks = Vec::new();
            $(if let V::Unknown(l) = &$v { union(&mut lacks, l); })+
            return V::Unknown(lacks);
        }
        $(if let V::Error(e) = $v { return V::Error(e); })+
    };
}

fn field_value<'a>(f: Field, read: Option<usize>, p: &'a ModelProfile) -> V<'a> {
    let unknown = || V::Unknown(read.map(Lack::Read).into_iter().collect());
    let num = |v: Option<f64>| v.map_or_else(unknown, V::Double);
    match f {
        Field::Name => V::Str(&p.name),
        Field::Organization => p.organization.as_deref().map_or_else(unknown, V::Str),
        Field::Published => p.published.map_or_else(unknown, |d| {
            V::Ts(d.midnight().assume_utc().unix_timestamp_nanos())
        }),
        Field::Parameters => num(p.parameters),
        Field::ActiveParameters => num(p.active_parameters),
        Field::TrainingTokens => num(p.training_tokens),
        Field::TrainingComputeFlop => num(p.training_compute_flop),
        Field::ComputeCostUsd => num(p.compute_cost_usd),
        Field::BioSequenceData => p.bio_sequence_data.map_or_else(unknown, V::Bool),
        Field::Evals => V::Scores(&p.evals),
        Field::DualUse => V::Flags(&p.dual_use),
    }
}

fn lit(l: &Lit) -> V<'_> {
    match l {
        Lit::Bool(b) => V::Bool(*b),
        Lit::Int(i) => V::Int(*i),
        Lit::Uint(u) => V::Uint(*u),
        Lit::Double(d) => V::Double(*d),
        Lit::Str(s) => V::Str(s),
        Lit::Ts(t) => V::Ts(*t),
    }
}

/// `map[key]`, or unknown for want of `lack`.
fn entry<'a>(map: MapField, key: &str, lack: Lack<'a>, p: &'a ModelProfile) -> V<'a> {
    let unknown = || V::Unknown(vec![lack]);
    match map {
        MapField::Scores => p.evals.get(key).map_or_else(unknown, |v| V::Double(*v)),
        MapField::Flags => p.dual_use.get(key).map_or_else(unknown, |v| V::Bool(*v)),
    }
}

fn eval<'a>(n: &'a Node, p: &'a ModelProfile, slots: &mut [V<'a>]) -> V<'a> {
    match n {
        Node::Lit(l) => lit(l),
        Node::Field(f, read) => field_value(*f, *read, p),
        Node::Map(MapField::Scores) => V::Scores(&p.evals),
        Node::Map(MapField::Flags) => V::Flags(&p.dual_use),
        Node::Entry(map, key, read) => entry(*map, key, Lack::Read(*read), p),
        Node::DynEntry(map, key) => match eval(key, p, slots) {
            V::Str(k) => entry(*map, k, Lack::Key(*map, k), p),
            other => other,
        },
        Node::Has(MapField::Scores, key) => V::Bool(p.evals.contains_key(&**key)),
        Node::Has(MapField::Flags, key) => V::Bool(p.dual_use.contains_key(&**key)),
        Node::Var(slot) => slots.get(*slot).cloned().unwrap_or(V::Unknown(Vec::new())),
        Node::Not(a) => match eval(a, p, slots) {
            V::Bool(b) => V::Bool(!b),
            other => other,
        },
        Node::NotStrictlyFalse(a) => V::Bool(!matches!(eval(a, p, slots), V::Bool(false))),
        Node::Neg(a) => match eval(a, p, slots) {
            V::Int(i) => i
                .checked_neg()
                .map_or(V::Error(EvalError::Overflow), V::Int),
            V::Double(d) => V::Double(-d),
            other => other,
        },
        Node::And(a, b) => {
            let x = eval(a, p, slots);
            if matches!(x, V::Bool(false)) {
                return x;
            }
            let y = eval(b, p, slots);
            logic(x, y, false)
        }
        Node::Or(a, b) => {
            let x = eval(a, p, slots);
            if matches!(x, V::Bool(true)) {
                return x;
            }
            let y = eval(b, p, slots);
            logic(x, y, true)
        }
        Node::Cond(c) => match eval(&c.0, p, slots) {
            V::Bool(true) => eval(&c.1, p, slots),
            V::Bool(false) => eval(&c.2, p, slots),
            // Either branch may be taken: what each lacks counts too.
            V::Unknown(mut lacks) => {
                for branch in [&c.1, &c.2] {
                    if let V::Unknown(more) = eval(branch, p, slots) {
                        union(&mut lacks, &more);
                    }
                }
                V::Unknown(lacks)
            }
            other => other,
        },
        Node::Cmp(op, a, b) => {
            let x = eval(a, p, slots);
            let y = eval(b, p, slots);
            strict!(x, y);
            match compare(&x, &y) {
                Some(o) => V::Bool(match op {
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::Le => o != Ordering::Greater,
                    CmpOp::Gt => o == Ordering::Greater,
                    CmpOp::Ge => o != Ordering::Less,
                }),
                // NaN: every ordering comparison is false, as in IEEE 754.
                None => V::Bool(false),
            }
        }
        Node::Eq(negated, a, b) => {
            let x = eval(a, p, slots);
            let y = eval(b, p, slots);
            strict!(x, y);
            V::Bool(equal(&x, &y) != *negated)
        }
        Node::Arith(op, a, b) => {
            let x = eval(a, p, slots);
            let y = eval(b, p, slots);
            strict!(x, y);
            arith(*op, x, y)
        }
        Node::InList(a, b) => {
            let x = eval(a, p, slots);
            let y = eval(b, p, slots);
            strict!(x, y);
            match &y {
                V::List(items) => V::Bool(items.iter().any(|i| equal(&x, i))),
                _ => V::Unknown(Vec::new()),
            }
        }
        Node::InMap(a, b) => {
            let x = eval(a, p, slots);
            let y = eval(b, p, slots);
            strict!(x, y);
            match (&x, &y) {
                (V::Str(k), V::Scores(m)) => V::Bool(m.contains_key(*k)),
                (V::Str(k), V::Flags(m)) => V::Bool(m.contains_key(*k)),
                _ => V::Unknown(Vec::new()),
            }
        }
        Node::Size(a) => match eval(a, p, slots) {
            V::Str(s) => V::Int(s.chars().count() as i64),
            V::List(l) => V::Int(l.len() as i64),
            V::Scores(m) => V::Int(m.len() as i64),
            V::Flags(m) => V::Int(m.len() as i64),
            other => other,
        },
        Node::Str(f, a, b) => {
            let x = eval(a, p, slots);
            let y = eval(b, p, slots);
            strict!(x, y);
            match (x, y) {
                (V::Str(s), V::Str(t)) => V::Bool(match f {
                    StrFn::StartsWith => s.starts_with(t),
                    StrFn::EndsWith => s.ends_with(t),
                    StrFn::Contains => s.contains(t),
                }),
                _ => V::Unknown(Vec::new()),
            }
        }
        Node::ToDouble(a) => match eval(a, p, slots) {
            V::Int(i) => V::Double(i as f64),
            V::Uint(u) => V::Double(u as f64),
            other => other,
        },
        Node::ToInt(a) => match eval(a, p, slots) {
            V::Uint(u) => i64::try_from(u).map_or(V::Error(EvalError::IntRange), V::Int),
            V::Double(d) => {
                // CEL truncates toward zero and refuses what int cannot hold.
                let t = d.trunc();
                if t.is_finite()
                    && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&t)
                {
                    V::Int(t as i64)
                } else {
                    V::Error(EvalError::IntRange)
                }
            }
            other => other,
        },
        Node::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                out.push(eval(i, p, slots));
            }
            if out.iter().any(|v| matches!(v, V::Unknown(_))) {
                let mut lacks = Vec::new();
                for v in &out {
                    if let V::Unknown(l) = v {
                        union(&mut lacks, l);
                    }
                }
                return V::Unknown(lacks);
            }
            if let Some(V::Error(e)) = out.iter().find(|v| matches!(v, V::Error(_))) {
                return V::Error(*e);
            }
            V::List(out)
        }
        Node::Fold(f) => fold(f, p, slots),
    }
}

/// `&&` (`or` false) and `||` (`or` true) over evaluated operands: the
/// absorbing value wins whatever the other side is, then unknown, then error.
fn logic<'a>(x: V<'a>, y: V<'a>, or: bool) -> V<'a> {
    let absorbing = |v: &V| matches!(v, V::Bool(b) if *b == or);
    if absorbing(&x) || absorbing(&y) {
        return V::Bool(or);
    }
    strict!(x, y);
    V::Bool(!or)
}

fn fold<'a>(f: &'a Fold, p: &'a ModelProfile, slots: &mut [V<'a>]) -> V<'a> {
    let range = eval(&f.range, p, slots);
    let items: Vec<V<'a>> = match range {
        V::Scores(m) => m.keys().map(|k| V::Str(k.as_str())).collect(),
        V::Flags(m) => m.keys().map(|k| V::Str(k.as_str())).collect(),
        V::List(items) => items,
        other => return other,
    };
    let init = eval(&f.init, p, slots);
    if let Some(s) = slots.get_mut(f.accu_slot) {
        *s = init;
    }
    for item in items {
        if let Some(s) = slots.get_mut(f.iter_slot) {
            *s = item;
        }
        if !matches!(eval(&f.cond, p, slots), V::Bool(true)) {
            break;
        }
        let next = eval(&f.step, p, slots);
        if let Some(s) = slots.get_mut(f.accu_slot) {
            *s = next;
        }
    }
    eval(&f.result, p, slots)
}

/// Exact ordering of two values of ordered types; numbers of different
/// types are compared as the numbers they denote, not after a rounding
/// conversion. `None` for NaN.
fn compare(x: &V, y: &V) -> Option<Ordering> {
    match (x, y) {
        (V::Int(a), V::Int(b)) => Some(a.cmp(b)),
        (V::Uint(a), V::Uint(b)) => Some(a.cmp(b)),
        (V::Double(a), V::Double(b)) => a.partial_cmp(b),
        (V::Int(a), V::Uint(b)) => Some(cmp_i64_u64(*a, *b)),
        (V::Uint(a), V::Int(b)) => Some(cmp_i64_u64(*b, *a).reverse()),
        (V::Double(a), V::Int(b)) => cmp_f64_i64(*a, *b),
        (V::Int(a), V::Double(b)) => cmp_f64_i64(*b, *a).map(Ordering::reverse),
        (V::Double(a), V::Uint(b)) => cmp_f64_u64(*a, *b),
        (V::Uint(a), V::Double(b)) => cmp_f64_u64(*b, *a).map(Ordering::reverse),
        (V::Str(a), V::Str(b)) => Some(a.cmp(b)),
        (V::Ts(a), V::Ts(b)) => Some(a.cmp(b)),
        (V::Bool(a), V::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn equal(x: &V, y: &V) -> bool {
    match (x, y) {
        (V::List(a), V::List(b)) => a.len() == b.len() && a.iter().zip(b).all(|(i, j)| equal(i, j)),
        _ => compare(x, y) == Some(Ordering::Equal),
    }
}

fn cmp_i64_u64(a: i64, b: u64) -> Ordering {
    if a < 0 {
        Ordering::Less
    } else {
        (a as u64).cmp(&b)
    }
}

const TWO_63: f64 = 9_223_372_036_854_775_808.0;
const TWO_64: f64 = 18_446_744_073_709_551_616.0;

fn cmp_f64_i64(d: f64, i: i64) -> Option<Ordering> {
    if d.is_nan() {
        return None;
    }
    if d < -TWO_63 {
        return Some(Ordering::Less);
    }
    if d >= TWO_63 {
        return Some(Ordering::Greater);
    }
    let t = d.trunc();
    // |t| < 2^63 and t is integral, so the conversion is exact.
    Some((t as i64).cmp(&i).then(if d > t {
        Ordering::Greater
    } else if d < t {
        Ordering::Less
    } else {
        Ordering::Equal
    }))
}

fn cmp_f64_u64(d: f64, u: u64) -> Option<Ordering> {
    if d.is_nan() {
        return None;
    }
    if d < 0.0 {
        return Some(Ordering::Less);
    }
    if d >= TWO_64 {
        return Some(Ordering::Greater);
    }
    let t = d.trunc();
    Some((t as u64).cmp(&u).then(if d > t {
        Ordering::Greater
    } else {
        Ordering::Equal
    }))
}

fn arith<'a>(op: ArithOp, x: V<'a>, y: V<'a>) -> V<'a> {
    match (x, y) {
        (V::Double(a), V::Double(b)) => V::Double(match op {
            ArithOp::Add => a + b,
            ArithOp::Sub => a - b,
            ArithOp::Mul => a * b,
            ArithOp::Div => a / b,
            // Refused by the checker; IEEE remainder would be the meaning.
            ArithOp::Rem => a % b,
        }),
        (V::Int(a), V::Int(b)) => {
            if matches!(op, ArithOp::Div | ArithOp::Rem) && b == 0 {
                return V::Error(EvalError::DivisionByZero);
            }
            let r = match op {
                ArithOp::Add => a.checked_add(b),
                ArithOp::Sub => a.checked_sub(b),
                ArithOp::Mul => a.checked_mul(b),
                ArithOp::Div => a.checked_div(b),
                ArithOp::Rem => a.checked_rem(b),
            };
            r.map_or(V::Error(EvalError::Overflow), V::Int)
        }
        (V::Uint(a), V::Uint(b)) => {
            if matches!(op, ArithOp::Div | ArithOp::Rem) && b == 0 {
                return V::Error(EvalError::DivisionByZero);
            }
            let r = match op {
                ArithOp::Add => a.checked_add(b),
                ArithOp::Sub => a.checked_sub(b),
                ArithOp::Mul => a.checked_mul(b),
                ArithOp::Div => a.checked_div(b),
                ArithOp::Rem => a.checked_rem(b),
            };
            r.map_or(V::Error(EvalError::Overflow), V::Uint)
        }
        _ => V::Unknown(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> ModelProfile {
        let mut p = ModelProfile::named("m");
        p.organization = Some("Lab".into());
        p.training_compute_flop = Some(2e25);
        p.parameters = Some(7e10);
        p.published = Some(time::macros::date!(2025 - 03 - 01));
        p.evals.insert("cybench".into(), 0.4);
        p.evals.insert("nyu_ctf".into(), 0.1);
        p.dual_use.insert("bio".into(), false);
        p
    }

    fn run(expr: &str, p: &ModelProfile) -> Verdict {
        match Program::compile(expr) {
            Ok(prog) => prog.evaluate(p),
            Err(e) => panic!("{expr}: {e}"),
        }
    }

    fn err(expr: &str) -> CelError {
        match Program::compile(expr) {
            Ok(_) => panic!("{expr} compiled"),
            Err(e) => e,
        }
    }

    #[test]
    fn comparisons_are_exact() {
        let mut p = profile();
        p.training_compute_flop = Some(1.001e25);
        assert_eq!(run("training_compute_flop > 1e25", &p), Verdict::True);
        p.training_compute_flop = Some(1e25);
        assert_eq!(run("training_compute_flop > 1e25", &p), Verdict::False);
        assert_eq!(run("training_compute_flop >= 1e25", &p), Verdict::True);
        // An int literal is compared as the integer it is, not rounded to a double.
        p.parameters = Some(9_007_199_254_740_992.0);
        assert_eq!(run("parameters < 9007199254740993", &p), Verdict::True);
        assert_eq!(run("parameters == 9007199254740992", &p), Verdict::True);
        assert_eq!(run("parameters > 9007199254740991u", &p), Verdict::True);
        assert_eq!(run("parameters != 9007199254740993", &p), Verdict::True);
        assert_eq!(run("-1 < 0u && 0.5 > 0 && 1 == 1.0", &p), Verdict::True);
    }

    #[test]
    fn a_missing_fact_is_unknown_not_false() {
        let p = ModelProfile::named("bare");
        assert_eq!(
            run("training_compute_flop > 1e26", &p),
            Verdict::Unknown(vec!["training_compute_flop".into()])
        );
        assert_eq!(
            run("evals.cybench > 0.5", &p),
            Verdict::Unknown(vec!["evals.cybench".into()])
        );
        assert_eq!(
            run("evals['cybench'] > 0.5 || dual_use.cyber", &p),
            Verdict::Unknown(vec!["dual_use.cyber".into(), "evals.cybench".into()])
        );
        // `name` is always there.
        assert_eq!(run("name == 'bare'", &p), Verdict::True);
    }

    /// An unknown lists the facts its unknown came from, not every missing
    /// fact the expression reads.
    #[test]
    fn an_unknown_names_only_the_facts_it_came_from() {
        let p = profile(); // compute 2e25, cybench 0.4; no training_tokens, no evals.a
        let unknown =
            |names: &[&str]| Verdict::Unknown(names.iter().map(|n| n.to_string()).collect());
        for (expr, want) in [
            (
                "(training_compute_flop > 1e26 && evals.a > 0.5) || training_tokens > 1.0",
                unknown(&["training_tokens"]),
            ),
            (
                "(training_tokens > 1.0) ? evals.a > 0.5 : evals.cybench > 0.5",
                unknown(&["evals.a", "training_tokens"]),
            ),
            (
                "[evals.a, evals.b].exists(x, x > 0.5) || evals.cybench > 0.5",
                unknown(&["evals.a", "evals.b"]),
            ),
            (
                "['a', 'cybench'].all(k, evals[k] > 0.3)",
                unknown(&["evals.a"]),
            ),
            ("evals.a + evals.a > 1.0", unknown(&["evals.a"])),
            ("['a', 'cybench'].all(k, evals[k] > 0.5)", Verdict::False),
        ] {
            assert_eq!(run(expr, &p), want, "{expr}");
        }
    }

    #[test]
    fn logic_with_unknowns_is_commutative() {
        let p = profile(); // has compute 2e25; lacks training_tokens
        let u = "training_tokens > 1.0";
        let t = "training_compute_flop > 1e25";
        let f = "training_compute_flop > 1e26";
        let unknown = Verdict::Unknown(vec!["training_tokens".into()]);
        for (expr, want) in [
            (format!("{t} || {u}"), Verdict::True),
            (format!("{u} || {t}"), Verdict::True),
            (format!("{f} && {u}"), Verdict::False),
            (format!("{u} && {f}"), Verdict::False),
            (format!("{u} || {f}"), unknown.clone()),
            (format!("{f} || {u}"), unknown.clone()),
            (format!("{t} && {u}"), unknown.clone()),
            (format!("{u} && {t}"), unknown.clone()),
            (format!("!({u})"), unknown.clone()),
            (format!("({u}) ? true : true"), unknown.clone()),
            (format!("({u}) == false"), unknown.clone()),
        ] {
            assert_eq!(run(&expr, &p), want, "{expr}");
        }
    }

    #[test]
    fn presence_tests_are_never_unknown() {
        let p = profile();
        assert_eq!(run("has(evals.cyberseceval)", &p), Verdict::False);
        assert_eq!(run("has(evals.cybench)", &p), Verdict::True);
        assert_eq!(run("'intercode_ctf' in evals", &p), Verdict::False);
        assert_eq!(
            run("has(evals.intercode_ctf) && evals.intercode_ctf > 0.9", &p),
            Verdict::False
        );
        assert_eq!(
            run("size(evals) == 2 && evals.size() == 2", &p),
            Verdict::True
        );
    }

    #[test]
    fn macros_strings_lists_timestamps() {
        let p = profile();
        for (expr, want) in [
            ("evals.exists(k, evals[k] > 0.3)", true),
            ("evals.all(k, evals[k] > 0.3)", false),
            ("evals.exists_one(k, evals[k] < 0.3)", true),
            ("dual_use.all(f, !dual_use[f])", true),
            ("[0.1, 0.2].exists(x, x > 0.15)", true),
            ("organization in ['Lab', 'Other']", true),
            (
                "name.startsWith('m') && !name.contains('x') && name.endsWith('m')",
                true,
            ),
            ("published >= timestamp('2025-01-01T00:00:00Z')", true),
            ("published < timestamp('2025-03-01T00:00:01Z')", true),
            ("6.0 * parameters * 1e13 > 1e24", true),
            ("double(6) * parameters > 4e11", true),
            ("int(evals.cybench * 10.0) == 4", true),
            ("-evals.cybench < 0.0", true),
            ("(training_compute_flop > 1e25 ? 1 : 2) == 1", true),
        ] {
            let want = if want { Verdict::True } else { Verdict::False };
            assert_eq!(run(expr, &p), want, "{expr}");
        }
    }

    #[test]
    fn runtime_errors_are_reported() {
        let p = profile();
        assert_eq!(
            run("9223372036854775807 + 1 > 0", &p),
            Verdict::Error("integer overflow".into())
        );
        assert_eq!(
            run("1 / 0 == 1 || training_compute_flop > 1e20", &p),
            Verdict::True
        );
    }

    #[test]
    fn type_errors_name_the_position() {
        let e = err("training_compute_flop > '1e26'");
        assert_eq!(
            (e.kind, e.line, e.column),
            (CelErrorKind::Type, 1, 23),
            "{e}"
        );
        assert!(e.message.contains("(double, string)"), "{e}");

        let e = err("6 * parameters > 1e24");
        assert_eq!((e.line, e.column), (1, 3), "{e}");
        assert!(e.message.contains("write 6.0"), "{e}");

        let e = err("evals.cybench > 0.5 &&\n  training_flops > 1e26");
        assert_eq!(
            (e.kind, e.line, e.column),
            (CelErrorKind::Type, 2, 3),
            "{e}"
        );
        assert!(
            e.message.contains("unknown identifier `training_flops`"),
            "{e}"
        );

        let e = err("training_compute_flop");
        assert!(e.message.contains("must be a bool"), "{e}");
        assert!(
            err("name.first == 'x'")
                .message
                .contains("only `evals` and `dual_use`")
        );
        let e = err("evals.map(k, k).size() > 0");
        assert!(e.message.contains("all(), exists()"), "{e}");
        assert!(
            err("published > timestamp('yesterday')")
                .message
                .contains("RFC 3339")
        );
        assert!(err("organization == null").message.contains("null"));
        assert!(err("matches(name, 'x')").message.contains("not supported"));
    }

    #[test]
    fn syntax_errors_name_the_position() {
        let e = err("training_compute_flop >> 1e26");
        assert_eq!(e.kind, CelErrorKind::Syntax, "{e}");
        assert_eq!((e.line, e.column), (1, 24), "{e}");
        let e = err("evals.cybench > 0.5 &&\n (");
        assert_eq!((e.kind, e.line), (CelErrorKind::Syntax, 2), "{e}");
        let e = err("");
        assert_eq!(e.kind, CelErrorKind::Syntax, "{e}");
    }

    #[test]
    fn absurd_inputs_are_refused_without_overflowing() {
        let deep = format!("{}true{}", "(".repeat(2000), ")".repeat(2000));
        assert!(Program::compile(&deep).is_err());
        let chain = vec!["true"; 1000].join(" && ");
        assert!(Program::compile(&chain).is_err());
        let sum = format!("{} > 0", vec!["1"; 2040].join("+"));
        assert!(
            Program::compile(&sum)
                .unwrap_err()
                .message
                .contains("operators")
        );
        let sum = format!("{} > 0", vec!["1"; MAX_DEPTH - 2].join("+"));
        assert_eq!(run(&sum, &profile()), Verdict::True);
        let sum = format!("{} > 0", vec!["1"; MAX_DEPTH + 1].join("+"));
        assert!(
            Program::compile(&sum)
                .unwrap_err()
                .message
                .contains("deeper")
        );
        let or = vec!["training_tokens > 1.0"; 160].join(" || ");
        assert!(matches!(run(&or, &profile()), Verdict::Unknown(_)));
        assert!(Program::compile(&sum).is_err());
        // The parser folds `!!` and `--` pairs: no deep tree, no refusal.
        let nots = format!("{}true", "!".repeat(3000));
        assert_eq!(run(&nots, &profile()), Verdict::True);
        let negs = format!("{}1 > 0", "-".repeat(3001));
        let _ = Program::compile(&negs);
        let members = format!("size(name{}) == 1", ".size()".repeat(2000));
        assert!(Program::compile(&members).is_err());
        let ternary = format!("{}true", "true ? true : ".repeat(250));
        assert!(Program::compile(&ternary).is_err());
        let selects = format!("has(evals{})", ".x".repeat(2000));
        assert!(Program::compile(&selects).is_err());
        let strings = format!("name == '{}'", "((((".repeat(100));
        assert_eq!(run(&strings, &profile()), Verdict::False);
        let ok = format!("{}true{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert_eq!(run(&ok, &profile()), Verdict::True);
        let long = format!("name == '{}'", "x".repeat(MAX_EXPRESSION_BYTES));
        assert!(Program::compile(&long).is_err());
    }

    #[test]
    fn non_ascii_positions_count_characters() {
        let e = err("name == 'é' && nope");
        assert_eq!((e.line, e.column), (1, 16), "{e}");
    }

    /// Where every fact is known, the verdict is the one of cel's own
    /// interpreter.
    #[test]
    fn agrees_with_the_cel_interpreter_on_known_facts() {
        use std::collections::HashMap;
        let p = profile();
        let mut ctx = cel::Context::default();
        ctx.add_variable_from_value("name", p.name.clone());
        ctx.add_variable_from_value("organization", "Lab".to_string());
        ctx.add_variable_from_value("training_compute_flop", 2e25);
        ctx.add_variable_from_value("parameters", 7e10);
        let evals: HashMap<String, f64> = p.evals.clone().into_iter().collect();
        ctx.add_variable_from_value("evals", evals);
        let flags: HashMap<String, bool> = p.dual_use.clone().into_iter().collect();
        ctx.add_variable_from_value("dual_use", flags);
        for expr in [
            "training_compute_flop > 1e25",
            "training_compute_flop > 1e26 || evals.cybench >= 0.4",
            "evals.cybench > 0.5 && parameters > 1e9",
            "has(evals.cybench) && !has(evals.x)",
            "evals.exists(k, evals[k] > 0.3)",
            "evals.all(k, evals[k] > 0.05)",
            "evals.exists_one(k, evals[k] > 0.05)",
            "organization in ['Lab', 'Other'] && size(name) == 1",
            "6.0 * parameters * 1e13 > 1e24",
            "parameters / 2.0 == 3.5e10 ? true : false",
            "name.startsWith('m') && 'bio' in dual_use && !dual_use.bio",
            "1 + 2 * 3 == 7 && 7 % 4 == 3 && 2u < 3u && 1 < 1.5",
        ] {
            let ours = run(expr, &p);
            let theirs = cel::Program::compile(expr).unwrap().execute(&ctx);
            let theirs = match theirs {
                Ok(cel::Value::Bool(true)) => Verdict::True,
                Ok(cel::Value::Bool(false)) => Verdict::False,
                other => panic!("{expr}: cel gave {other:?}"),
            };
            assert_eq!(ours, theirs, "{expr}");
        }
    }
}
