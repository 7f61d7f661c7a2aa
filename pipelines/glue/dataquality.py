"""Data-quality rules for the Glue jobs: the DQDL files are the one source of truth.

The rules live in `pipelines/quality/<dataset>/<table>.dqdl`, written in AWS Glue's Data Quality
Definition Language (DQDL) exactly as AWS accepts it. The planner embeds each file verbatim in an
`AWS::Glue::DataQualityRuleset`; on AWS the jobs evaluate them with Glue's `EvaluateDataQuality`
(`evaluate_on_glue`), and locally (`make job-clean`, the tests) this module parses the same text and
evaluates it over a Spark DataFrame (`load_rules`, `evaluate`) with AWS's semantics:

- `RowCount <cond>`: the number of rows (after `where`), metric `Dataset.*.RowCount`.
- `Completeness "c" <cond>` / `IsComplete "c"`: the share of rows where c is not null (IsComplete:
  all of them), metric `Column.c.Completeness`.
- `Uniqueness "c"... <cond>` / `IsUnique "c"...`: the share of rows whose value (combination) occurs
  exactly once; rows whose key columns are all null are left out (as deequ, which Glue Data Quality
  is built on, computes it). Metric `Column.c.Uniqueness`, or `Multicolumn.a,b.Uniqueness`.
- `IsPrimaryKey "c"...`: every key column complete and the key (combination) unique (AWS: "all of
  the values in the column are unique and complete (non-null)"); metrics of both.
- `ColumnValues "c" <cond>`: a condition on every row's value. A NULL value fails every condition
  except `!=` and `not in` (AWS, "Null behavior"); `where "<Spark SQL>"` keeps only the rows to check.
  Without `with threshold` every kept row must comply; with it, the share of kept rows that comply
  must meet the threshold. Metrics: `Column.c.Minimum` for `>`/`>=`, `Column.c.Maximum` for `<`/`<=`,
  both for numeric `=`, else `Column.c.ColumnValues.Compliance`. `matches` is a full match of a Java
  regular expression.
- `CustomSql "<select returning one number>" <cond>`: the statement runs with the data as the view
  `primary`; metric `Dataset.*.CustomSQL`.
- Conditions: `>`, `>=`, `<`, `<=`, `=`, `!=`, `between a and b` (exclusive, AWS), `not between a
  and b` (inclusive), `in [...]`, `not in [...]`; for string values `=`, `!=`, `in`, `not in`,
  `matches`. RowCount, Completeness, Uniqueness and CustomSql conditions may be dynamic: `last(k)`
  is the metric's last k values from earlier runs (most recent first; all of them when fewer than
  k; `[0.0]` when there are none, as AWS documents), reduced by `avg`, `min`, `max`, `sum`,
  `index(list, i)`, and combined with `+ - * /` and `abs`.
- A column rule on zero rows (after `where`) fails ("Empty state"), as deequ does.

Anything else (another rule type, composite rules, labels, variables, Analyzers, NULL/EMPTY
keywords, date conditions, escapes in strings) is refused by `load_rules` with an error naming the
file, the line and the rule: never skipped. Standard library and pyspark only; `awsglue`,
`awsgluedq` and `boto3` are imported inside the functions that need them (they exist on Glue).
"""
from __future__ import annotations

import glob
import json
import math
import os
import re
from dataclasses import dataclass, field

__all__ = [
    "DQDLError", "Rule", "load_rules", "evaluate", "history_from_reports", "summarise",
    "evaluate_on_glue", "publish_metric", "ruleset_from_glue", "read_ruleset", "parse_rulesets",
    "check_table", "outcome_lines", "LocalRules", "GlueRules",
    "DEFAULT_RULES_DIR", "METRIC_NAMESPACE",
]

# <repo>/pipelines/quality/business-licences/, from this file's place (<repo>/pipelines/glue/).
DEFAULT_RULES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "quality",
                                 "business-licences")
METRIC_NAMESPACE = "DAP/DataQuality"  # publish_metric's default only: the jobs pass --quality_metric_namespace


class DQDLError(ValueError):
    """A ruleset this module cannot evaluate exactly as AWS would (or that is not valid DQDL)."""


# --------------------------------------------------------------------------- the rule model

@dataclass(frozen=True)
class Num:
    """A numeric operand: an atom (`0.5`), a call (`avg(last(3))`) or a binary expression."""
    kind: str                      # "atom" | "call" | "binop"
    text: str = ""                 # atom: the number as written
    name: str = ""                 # call: function name
    args: tuple = ()               # call: arguments (Num)
    op: str = ""                   # binop: + - * /
    left: "Num | None" = None
    right: "Num | None" = None
    paren: bool = False            # written in parentheses

    def render(self) -> str:       # as AWS's NumericOperand.toString prints it
        if self.kind == "atom":
            s = self.text
        elif self.kind == "call":
            s = f"{self.name}({','.join(a.render() for a in self.args)})"
        else:
            s = f"{self.left.render()} {self.op} {self.right.render()}"
        return f"({s})" if self.paren else s

    @property
    def dynamic(self) -> bool:
        if self.kind == "call":
            return True
        if self.kind == "binop":
            return self.left.dynamic or self.right.dynamic
        return False


@dataclass(frozen=True)
class Condition:
    op: str                        # > >= < <= = != between "not between" in "not in" matches
    operands: tuple                # Num for numbers, str for quoted strings
    kind: str                      # "number" | "string"

    def render(self) -> str:       # as AWS's Number/StringBasedCondition.getFormattedCondition
        f = (lambda o: o.render()) if self.kind == "number" else (lambda o: f'"{o}"')
        if self.op in ("between", "not between"):
            return f"{self.op} {f(self.operands[0])} and {f(self.operands[1])}"
        if self.op in ("in", "not in"):
            return f"{self.op} [{','.join(f(o) for o in self.operands)}]"
        return f"{self.op} {f(self.operands[0])}"


@dataclass(frozen=True)
class Rule:
    text: str                      # the rule as written in the file, whitespace normalised
    rule_type: str
    params: tuple                  # ((value, quoted), ...): columns, or the SQL of CustomSql
    condition: Condition | None = None
    where: str | None = None
    threshold: Condition | None = None
    source: str = "<ruleset>"
    line: int = 0
    columns: tuple = field(default=(), compare=False)

    def canonical(self) -> str:
        """The rule as AWS prints it (DQRule.toString): the `Rule` of Glue's rule outcomes."""
        s = self.rule_type + "".join(f' "{v}"' if q else f" {v}" for v, q in self.params)
        if self.condition is not None:
            s += " " + self.condition.render()
        if self.where is not None:
            s += f' where "{self.where}"'
        if self.threshold is not None:
            s += " with threshold " + self.threshold.render()
        return s

    @property
    def metric(self) -> str | None:
        """The metric the rule's condition is checked against (the one `last(k)` looks up)."""
        t = self.rule_type
        if t == "RowCount":
            return "Dataset.*.RowCount"
        if t == "CustomSql":
            return "Dataset.*.CustomSQL"
        if t in ("Completeness", "IsComplete"):
            return f"Column.{self.columns[0]}.Completeness"
        if t in ("Uniqueness", "IsUnique", "IsPrimaryKey"):
            return _uniqueness_metric(self.columns)
        return None


def _uniqueness_metric(cols) -> str:
    return f"Column.{cols[0]}.Uniqueness" if len(cols) == 1 else f"Multicolumn.{','.join(cols)}.Uniqueness"


# --------------------------------------------------------------------------- the parser

_TOKEN = re.compile(r"""
    (?P<ws>[ \t\n]+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<number>[0-9]+(?:\.[0-9]+)?(?![A-Za-z_.0-9]))
  | (?P<ident>[A-Za-z0-9_.]+)
  | (?P<op>>=|<=|!=|[=<>\[\](),+\-*/$!{}:])
""", re.VERBOSE)

# words that end a rule's parameter list
_KEYWORDS = {"where", "with", "between", "not", "in", "matches", "and", "or", "of", "labels",
             "null", "NULL", "empty", "EMPTY", "whitespaces_only", "WHITESPACES_ONLY", "threshold"}
_SUPPORTED = {"RowCount", "Completeness", "IsComplete", "Uniqueness", "IsUnique", "IsPrimaryKey",
              "ColumnValues", "CustomSql"}
_NEEDS_CONDITION = {"RowCount", "Completeness", "Uniqueness", "ColumnValues", "CustomSql"}
_DYNAMIC_OK = {"RowCount", "Completeness", "Uniqueness", "CustomSql"}
_FUNCTIONS = {"last", "avg", "min", "max", "sum", "index", "abs"}
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass
class _Tok:
    kind: str
    value: str
    start: int
    end: int
    line: int


def _tokenize(text: str, source: str) -> list[_Tok]:
    if "\r" in text:
        line = text[:text.index("\r")].count("\n") + 1
        raise DQDLError(f"{source}:{line}: carriage return: AWS's DQDL lexer accepts only LF line ends")
    toks, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        line = text.count("\n", 0, pos) + 1
        if not m:
            raise DQDLError(f"{source}:{line}: unexpected character {text[pos]!r}")
        kind = m.lastgroup
        if kind == "string" and "\\" in m.group():
            raise DQDLError(f"{source}:{line}: backslash escapes in quoted strings are not supported "
                            f"(AWS's parser unescapes them differently by position): {m.group()}")
        if kind not in ("ws", "comment"):
            toks.append(_Tok(kind, m.group(), m.start(), m.end(), line))
        pos = m.end()
    return toks


def _normalise(text: str) -> str:
    """Whitespace runs outside quoted strings become one space; comments are dropped."""
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        if m.lastgroup not in ("ws", "comment"):
            out.append(m.group())
        elif out and out[-1] != " ":
            out.append(" ")
    return "".join(out).strip()


class _RuleParser:
    def __init__(self, toks: list[_Tok], text: str, source: str, line: int):
        self.toks, self.i, self.text, self.source, self.line = toks, 0, text, source, line

    def fail(self, why: str):
        raise DQDLError(f"{self.source}:{self.line}: {why}: {self.text}")

    def peek(self, k: int = 0) -> _Tok | None:
        return self.toks[self.i + k] if self.i + k < len(self.toks) else None

    def take(self) -> _Tok:
        t = self.peek()
        if t is None:
            self.fail("unexpected end of rule")
        self.i += 1
        return t

    def accept(self, value: str) -> bool:
        t = self.peek()
        if t is not None and t.value == value and t.kind in ("ident", "op"):
            self.i += 1
            return True
        return False

    def expect(self, value: str):
        if not self.accept(value):
            t = self.peek()
            self.fail(f"expected {value!r}, found {t.value if t else 'end of rule'!r}")

    # numbers ---------------------------------------------------------------

    def number_expr(self, allow_dynamic: bool) -> Num:
        left = self.primary(allow_dynamic)
        t = self.peek()
        if t is not None and t.kind == "op" and t.value in "+-*/" and len(t.value) == 1:
            self.i += 1
            right = self.primary(allow_dynamic)
            nxt = self.peek()
            if nxt is not None and nxt.kind == "op" and nxt.value in ("+", "-", "*", "/"):
                self.fail("more than one arithmetic operator without parentheses (DQDL gives them "
                          "all the same precedence); parenthesise")
            return Num("binop", op=t.value, left=left, right=right)
        return left

    def primary(self, allow_dynamic: bool) -> Num:
        t = self.take()
        if t.kind == "op" and t.value == "(":
            inner = self.number_expr(allow_dynamic)
            self.expect(")")
            return Num(**{**inner.__dict__, "paren": True})
        if t.kind == "op" and t.value == "-":
            n = self.take()
            if n.kind != "number":
                self.fail("'-' must be followed by a number")
            return Num("atom", text="-" + n.value)
        if t.kind == "number":
            return Num("atom", text=t.value)
        if t.kind == "ident" and self.peek() is not None and self.peek().value == "(":
            if t.value not in _FUNCTIONS:
                self.fail(f"unsupported function {t.value}()")
            if not allow_dynamic:
                self.fail(f"dynamic expression {t.value}() is not supported here")
            self.expect("(")
            args = []
            if not self.accept(")"):
                args.append(self.number_expr(allow_dynamic))
                while self.accept(","):
                    args.append(self.number_expr(allow_dynamic))
                self.expect(")")
            return Num("call", name=t.value, args=tuple(args))
        if t.value in ("null", "NULL", "empty", "EMPTY", "whitespaces_only", "WHITESPACES_ONLY"):
            self.fail(f"keyword {t.value} is not supported")
        self.fail(f"expected a number, found {t.value!r}")

    def number_condition(self, allow_dynamic: bool) -> Condition:
        t = self.take()
        v = t.value
        if t.kind == "op" and v in (">", ">=", "<", "<=", "=", "!="):
            return Condition(v, (self.number_expr(allow_dynamic),), "number")
        negated = False
        if v == "not":
            negated, t = True, self.take()
            v = t.value
        if v == "between":
            a = self.number_expr(allow_dynamic)
            self.expect("and")
            b = self.number_expr(allow_dynamic)
            return Condition("not between" if negated else "between", (a, b), "number")
        if v == "in":
            self.expect("[")
            items = [self.number_expr(allow_dynamic)]
            while self.accept(","):
                items.append(self.number_expr(allow_dynamic))
            self.expect("]")
            return Condition("not in" if negated else "in", tuple(items), "number")
        self.fail(f"expected a condition, found {v!r}")

    def value_condition(self) -> Condition:
        """ColumnValues: numbers (static) or quoted strings."""
        save = self.i
        t = self.take()
        v = t.value
        negated = False
        if v == "not":
            negated, t = True, self.take()
            v = t.value
        if v == "matches":
            if negated:
                self.fail("'not matches' is not supported")
            s = self.take()
            if s.kind != "string":
                self.fail("matches needs a quoted regular expression")
            return Condition("matches", (s.value[1:-1],), "string")
        # strings or numbers?
        if v in ("between", "in") or (t.kind == "op" and v in (">", ">=", "<", "<=", "=", "!=")):
            look = self.toks[self.i:]
            end = next((k for k, x in enumerate(look)
                        if x.kind == "ident" and x.value in ("where", "with", "labels")), len(look))
            look = look[:end]
            quoted = [x for x in look if x.kind == "string"]
            if any(_DATE.match(x.value[1:-1]) for x in quoted):
                self.fail("date conditions are not supported")
            if any(x.value in ("now", "NULL", "null", "EMPTY", "empty", "WHITESPACES_ONLY",
                               "whitespaces_only", "$") for x in look):
                self.fail("now(), NULL, EMPTY, WHITESPACES_ONLY and variables are not supported")
            if quoted:
                if v == "in":
                    self.expect("[")
                    items = [self.string()]
                    while self.accept(","):
                        items.append(self.string())
                    self.expect("]")
                    return Condition("not in" if negated else "in", tuple(items), "string")
                if v in ("=", "!=") and not negated:
                    return Condition(v, (self.string(),), "string")
                self.fail(f"'{v}' is not a string condition")
        self.i = save
        cond = self.number_condition(allow_dynamic=False)
        if any(o.kind != "atom" for o in cond.operands):
            self.fail("ColumnValues compares with plain numbers only")
        return cond

    def string(self) -> str:
        t = self.take()
        if t.kind != "string":
            self.fail(f"expected a quoted string, found {t.value!r}")
        return t.value[1:-1]

    # the rule --------------------------------------------------------------

    def rule(self) -> Rule:
        first = self.take()
        if first.kind == "op" and first.value == "(":
            self.fail("composite rules (and/or) are not supported")
        if first.kind != "ident":
            self.fail("expected a rule type")
        rtype = first.value
        if rtype not in _SUPPORTED:
            self.fail(f"unsupported rule type {rtype}")
        params = []
        while True:
            t = self.peek()
            if t is None:
                break
            if t.kind == "string":
                params.append((t.value[1:-1], True))
            elif t.kind == "ident" and t.value not in _KEYWORDS and (self.peek(1) is None
                                                                   or self.peek(1).value != "("):
                params.append((t.value, False))
            elif t.kind == "op" and t.value == "$":
                self.fail("variables are not supported")
            else:
                break
            self.i += 1
        if t is not None and t.value in ("of", "and") and rtype != "ColumnValues":
            self.fail("connector words between parameters are not supported")
        n = len(params)
        if rtype == "RowCount" and n:
            self.fail("RowCount takes no parameter")
        if rtype in ("Completeness", "IsComplete", "ColumnValues", "CustomSql") and n != 1:
            self.fail(f"{rtype} takes exactly one parameter")
        if rtype in ("Uniqueness", "IsUnique", "IsPrimaryKey") and n < 1:
            self.fail(f"{rtype} needs at least one column")
        cond = None
        if rtype in _NEEDS_CONDITION:
            if self.peek() is None or self.peek().value in ("where", "with", "labels"):
                self.fail(f"{rtype} needs a condition")
            cond = (self.value_condition() if rtype == "ColumnValues"
                    else self.number_condition(allow_dynamic=rtype in _DYNAMIC_OK))
        where = None
        if self.accept("where"):
            if rtype == "CustomSql":
                self.fail("CustomSql does not take a where clause")
            where = self.string()
        threshold = None
        if self.accept("with"):
            if not self.accept("threshold"):
                self.fail("only 'with threshold' is supported after 'with'")
            if rtype != "ColumnValues":
                self.fail(f"'with threshold' is not supported on {rtype} here")
            threshold = self.number_condition(allow_dynamic=False)
        t = self.peek()
        if t is not None:
            if t.value == "labels":
                self.fail("labels are not supported")
            if t.value in ("and", "or"):
                self.fail("composite rules (and/or) are not supported")
            self.fail(f"unexpected {t.value!r}")
        cols = tuple(v for v, _ in params) if rtype != "CustomSql" else ()
        return Rule(self.text, rtype, tuple(params), cond, where, threshold, self.source,
                    self.line, cols)


def load_rules(text: str, source: str = "<ruleset>") -> list[Rule]:
    """Parse a DQDL document (`Rules = [ ... ]`) into rules; refuse anything not supported."""
    toks = _tokenize(text, source)

    def at(i: int) -> _Tok | None:
        return toks[i] if i < len(toks) else None

    first = at(0)
    if first is None:
        raise DQDLError(f"{source}:1: empty document: expected 'Rules = [ ... ]'")
    if first.value != "Rules":
        what = (f"the {first.value} section is not supported"
                if first.value in ("Metadata", "DataSources", "Analyzers", "DefaultLabels")
                else "variables are not supported" if at(1) is not None and at(1).value == "="
                else f"expected 'Rules', found {first.value!r}")
        raise DQDLError(f"{source}:{first.line}: {what}")
    for k, want in ((1, "="), (2, "[")):
        t = at(k)
        if t is None or t.value != want:
            raise DQDLError(f"{source}:{(t or first).line}: expected {want!r} after 'Rules'")
    i, rules, seen = 3, [], {}
    if at(i) is not None and at(i).value == "]":
        # AWS refuses an empty ruleset too; locally it would silently switch the monitoring off
        raise DQDLError(f"{source}:{at(i).line}: empty rule list: a ruleset needs at least one rule")
    else:
        while True:
            start, depth = i, 0
            while True:
                t = at(i)
                if t is None:
                    raise DQDLError(f"{source}:{toks[start].line if start < len(toks) else first.line}: "
                                    f"unterminated rule list: expected ']'")
                if t.kind == "op":
                    if t.value in ("[", "("):
                        depth += 1
                    elif t.value in ("]", ")") and depth > 0:
                        depth -= 1
                    elif depth == 0 and t.value in (",", "]"):
                        break
                i += 1
            if i == start:
                raise DQDLError(f"{source}:{at(i).line}: empty rule (stray comma?)")
            span = toks[start:i]
            rtext = _normalise(text[span[0].start:span[-1].end])
            rule = _RuleParser(span, rtext, source, span[0].line).rule()
            if rule.text in seen:
                raise DQDLError(f"{source}:{rule.line}: duplicate rule (also line {seen[rule.text]}): "
                                f"{rule.text}")
            seen[rule.text] = rule.line
            rules.append(rule)
            sep = at(i)
            i += 1
            if sep.value == "]":
                break
            if at(i) is not None and at(i).value == "]":
                raise DQDLError(f"{source}:{sep.line}: trailing comma before ']'")
    rest = at(i)
    if rest is not None:
        what = (f"the {rest.value} section is not supported" if rest.value == "Analyzers"
                else f"unexpected {rest.value!r} after the rule list")
        raise DQDLError(f"{source}:{rest.line}: {what}")
    return rules


def read_ruleset(rules_dir: str, table: str) -> tuple[str, str]:
    """The DQDL text of `<rules_dir>/<table>.dqdl` and its path (the `source` of its rules)."""
    path = os.path.normpath(os.path.join(rules_dir, f"{table}.dqdl"))
    with open(path, encoding="utf-8") as f:
        return f.read(), path


def parse_rulesets(value: str) -> dict[str, str]:
    """`--quality_rulesets table=RulesetName,...` as a dict."""
    out = {}
    for item in (v.strip() for v in (value or "").split(",")):
        if not item:
            continue
        table, sep, name = item.partition("=")
        if not sep or not table.strip() or not name.strip():
            raise ValueError(f"--quality_rulesets: expected table=RulesetName, got {item!r}")
        out[table.strip()] = name.strip()
    return out


# --------------------------------------------------------------------------- conditions

class _EvalError(Exception):
    pass


def _last_values(metric: str | None, history: list[dict]) -> list[float]:
    vals = [float(h[metric]) for h in history if metric is not None and h.get(metric) is not None]
    return vals


def _eval_num(n: Num, metric: str | None, history: list[dict]):
    """A Num as a float, or (inside calls) a list of floats."""
    if n.kind == "atom":
        return float(n.text)
    if n.kind == "binop":
        a, b = _scalar(n.left, metric, history), _scalar(n.right, metric, history)
        if n.op == "+":
            return a + b
        if n.op == "-":
            return a - b
        if n.op == "*":
            return a * b
        if b == 0:
            raise _EvalError("division by zero in the rule's expression")
        return a / b
    args = n.args
    if n.name == "last":
        if len(args) > 1:
            raise _EvalError("last() takes at most one argument")
        k = 1 if not args else _scalar(args[0], metric, history)
        if k < 1 or k != int(k):
            raise _EvalError("last(k) needs a natural number k >= 1")
        vals = _last_values(metric, history)[:int(k)]
        return vals or [0.0]          # AWS: "If no data points are available, last(k) will return 0.0"
    if n.name == "index":
        if len(args) != 2:
            raise _EvalError("index() takes a list and a position")
        vals = _as_list(_eval_num(args[0], metric, history))
        i = _scalar(args[1], metric, history)
        if i != int(i) or not 0 <= i < len(vals):
            raise _EvalError(f"index {i:g} is out of range of {len(vals)} value(s)")
        return vals[int(i)]
    if n.name == "abs":
        if len(args) != 1:
            raise _EvalError("abs() takes one argument")
        return abs(_scalar(args[0], metric, history))
    if len(args) != 1:
        raise _EvalError(f"{n.name}() takes one argument")
    vals = _as_list(_eval_num(args[0], metric, history))
    return {"avg": lambda v: sum(v) / len(v), "min": min, "max": max, "sum": sum}[n.name](vals)


def _as_list(v) -> list[float]:
    return v if isinstance(v, list) else [v]


def _scalar(n: Num, metric, history) -> float:
    v = _eval_num(n, metric, history)
    if isinstance(v, list):
        if len(v) != 1:
            raise _EvalError("the expression results in a list of values; reduce it with avg, min, "
                             "max, sum or index")
        return v[0]
    return v


def _check(cond: Condition, value: float, metric: str | None, history: list[dict]) -> bool:
    ops = [_scalar(o, metric, history) for o in cond.operands]
    if cond.op == ">":
        return value > ops[0]
    if cond.op == ">=":
        return value >= ops[0]
    if cond.op == "<":
        return value < ops[0]
    if cond.op == "<=":
        return value <= ops[0]
    if cond.op == "=":
        return value == ops[0]
    if cond.op == "!=":
        return value != ops[0]
    if cond.op == "between":                      # exclusive (AWS)
        return ops[0] < value < ops[1]
    if cond.op == "not between":                  # inclusive (AWS)
        return value <= ops[0] or value >= ops[1]
    if cond.op == "in":
        return any(value == o for o in ops)
    if cond.op == "not in":
        return all(value != o for o in ops)
    raise _EvalError(f"unknown operator {cond.op}")


def _fmt(v: float) -> str:
    return repr(float(v))


def _failed(rule: Rule, reason: str, metrics: dict | None = None) -> dict:
    return {"rule": rule.text, "outcome": "Failed", "failure_reason": reason,
            "evaluated_metrics": metrics or {}}


def _judge(rule: Rule, cond: Condition, value: float, metrics: dict, history: list[dict]) -> dict:
    try:
        ok = _check(cond, value, rule.metric, history)
    except _EvalError as e:
        return _failed(rule, str(e), metrics)
    if ok:
        return {"rule": rule.text, "outcome": "Passed", "failure_reason": None,
                "evaluated_metrics": metrics}
    return _failed(rule, f"Value: {_fmt(value)} does not meet the constraint requirement!", metrics)


# --------------------------------------------------------------------------- evaluation

def _value_predicate(F, col, cond: Condition):
    """Column -> boolean Column, with AWS's null behaviour (NULL fails but for != and not in)."""
    if cond.kind == "string":
        if cond.op == "matches":
            return F.coalesce(col.cast("string").rlike("^(?:" + cond.operands[0] + ")$"), F.lit(False))
        vals = list(cond.operands)
        s = col.cast("string")
        if cond.op == "=":
            return F.coalesce(s == F.lit(vals[0]), F.lit(False))
        if cond.op == "!=":
            return col.isNull() | F.coalesce(s != F.lit(vals[0]), F.lit(False))
        if cond.op == "in":
            return F.coalesce(s.isin(vals), F.lit(False))
        return col.isNull() | F.coalesce(~s.isin(vals), F.lit(False))     # not in
    vals = [float(o.text) for o in cond.operands]
    d = col.cast("double")
    if cond.op in (">", ">=", "<", "<=", "="):
        expr = {">": d > vals[0], ">=": d >= vals[0], "<": d < vals[0], "<=": d <= vals[0],
                "=": d == vals[0]}[cond.op]
        return F.coalesce(expr, F.lit(False))
    if cond.op == "!=":
        return col.isNull() | F.coalesce(d != vals[0], F.lit(False))
    if cond.op == "between":
        return F.coalesce((d > vals[0]) & (d < vals[1]), F.lit(False))
    if cond.op == "not between":
        return F.coalesce((d <= vals[0]) | (d >= vals[1]), F.lit(False))
    if cond.op == "in":
        return F.coalesce(d.isin(vals), F.lit(False))
    return col.isNull() | F.coalesce(~d.isin(vals), F.lit(False))         # not in


def evaluate(spark, df, rules: list[Rule], history: list[dict] | None = None) -> list[dict]:
    """Evaluate rules over df like Glue's EvaluateDataQuality: one dict per rule, in order,
    `{"rule", "outcome": "Passed"|"Failed", "failure_reason", "evaluated_metrics"}`.

    `history`: earlier runs' evaluated metrics, most recent first (see `history_from_reports`),
    for dynamic rules. All RowCount/Completeness/Uniqueness/IsPrimaryKey/ColumnValues rules are
    computed in one aggregation (one Spark action); each CustomSql runs on its own, with df as
    the temporary view `primary`."""
    from pyspark.sql import functions as F

    history = list(history or [])
    results: list[dict | None] = [None] * len(rules)
    names = {c.lower(): c for c in df.columns}
    agg = _Aggregation(df)
    finishers = []
    for idx, rule in enumerate(rules):
        if rule.rule_type == "CustomSql":
            continue
        refused = _unevaluable(df, rule, names)
        if refused is not None:
            results[idx] = refused
            continue
        w = F.expr(rule.where) if rule.where is not None else F.lit(True)
        cols = [F.col(f"`{names[c.lower()]}`") for c in rule.columns]
        finishers.append((idx, _finisher(agg, rule, w, cols, history)))

    if finishers:
        row = agg.collect()
        for idx, fin in finishers:
            results[idx] = fin(row)

    sql_rules = [(i, r) for i, r in enumerate(rules) if r.rule_type == "CustomSql"]
    if sql_rules:
        df.createOrReplaceTempView("primary")
        try:
            for idx, rule in sql_rules:
                results[idx] = _custom_sql(spark, rule, history)
        finally:
            spark.catalog.dropTempView("primary")
    return results


class _Aggregation:
    """The one aggregation every column rule shares: named aggregate expressions over `base`,
    which gains one window column per distinct (columns, where) of the uniqueness rules."""

    def __init__(self, df):
        self.base, self.aggs, self.windows = df, [], {}

    def add(self, expr) -> str:
        """Add an aggregate; the name its value has in the result row."""
        name = f"_dq{len(self.aggs)}"
        self.aggs.append(expr.alias(name))
        return name

    def count_if(self, cond) -> str:
        """Add a count of the rows where cond holds (0, not null, on zero rows)."""
        from pyspark.sql import functions as F
        return self.add(F.count(F.when(cond, F.lit(1))))

    def window(self, key, cond, cols):
        """The column counting, per value of cols, the rows where cond holds (added once per key)."""
        from pyspark.sql import Window
        from pyspark.sql import functions as F
        if key not in self.windows:
            wname = f"_dqw{len(self.windows)}"
            self.base = self.base.withColumn(wname, F.count(F.when(cond, 1)).over(
                Window.partitionBy(*cols)))
            self.windows[key] = wname
        return F.col(self.windows[key])

    def collect(self):
        """Run the aggregation: one Spark action, one row."""
        return self.base.agg(*self.aggs).collect()[0]


def _unevaluable(df, rule: Rule, names: dict) -> dict | None:
    """The failed result of a rule naming a column df lacks or with a where clause Spark refuses,
    as Glue words them; None when the rule can be evaluated."""
    from pyspark.sql import functions as F
    missing = [c for c in rule.columns if c.lower() not in names]
    if missing:
        return _failed(rule, f"Input data does not include column {missing[0]}!")
    if rule.where is not None:
        try:
            df.select(F.expr(rule.where).alias("_w"))        # analysed now, no Spark job
        except Exception as e:  # noqa: BLE001 - Spark's AnalysisException / ParseException
            msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            return _failed(rule, f"Rule {rule.text} has provided an invalid where clause : {msg}")
    return None


def _finisher(agg: _Aggregation, rule: Rule, w, cols, history: list[dict]):
    """Add a column rule's aggregates; the function that judges it from the result row."""
    t = rule.rule_type
    if t == "RowCount":
        n = agg.count_if(w)
        return lambda row: _judge(rule, rule.condition, float(row[n]), {rule.metric: float(row[n])},
                                  history)
    if t in ("Completeness", "IsComplete"):
        return _completeness(agg, rule, w, cols, history)
    if t in ("Uniqueness", "IsUnique", "IsPrimaryKey"):
        return _uniqueness(agg, rule, w, cols, history)
    if t == "ColumnValues":
        return _column_values(agg, rule, w, cols, history)
    return lambda row: _failed(rule, f"unsupported rule type {t}")  # pragma: no cover - load_rules refuses other types


def _completeness(agg: _Aggregation, rule: Rule, w, cols, history: list[dict]):
    """Completeness and IsComplete: the share of rows where the column is not null."""
    tot, nn = agg.count_if(w), agg.count_if(w & cols[0].isNotNull())

    def fin(row):
        if row[tot] == 0:
            return _failed(rule, "Empty state: no rows to evaluate")
        c = row[nn] / row[tot]
        cond = rule.condition or Condition("=", (Num("atom", text="1.0"),), "number")
        return _judge(rule, cond, c, {rule.metric: c}, history)
    return fin


def _uniqueness(agg: _Aggregation, rule: Rule, w, cols, history: list[dict]):
    """Uniqueness, IsUnique and IsPrimaryKey: the share of rows (with a value in any of the
    columns) whose values occur once; IsPrimaryKey also needs every column complete."""
    t = rule.rule_type
    anynn = cols[0].isNotNull()
    for c in cols[1:]:
        anynn = anynn | c.isNotNull()
    wcol = agg.window((tuple(c.lower() for c in rule.columns), rule.where), w & anynn, cols)
    uniq, n = agg.count_if(w & anynn & (wcol == 1)), agg.count_if(w & anynn)
    comp, tot = [], None
    if t == "IsPrimaryKey":
        tot = agg.count_if(w)
        comp = [(c, agg.count_if(w & col.isNotNull())) for c, col in zip(rule.columns, cols)]

    def fin(row):
        metrics = {}
        completeness = []
        if comp:
            if row[tot] == 0:
                return _failed(rule, "Empty state: no rows to evaluate")
            for c, nn in comp:
                v = row[nn] / row[tot]
                metrics[f"Column.{c}.Completeness"] = v
                completeness.append(v)
        if row[n] == 0:
            return _failed(rule, "Empty state: no rows to evaluate", metrics)
        u = row[uniq] / row[n]
        metrics = {rule.metric: u, **metrics}
        if t == "Uniqueness":
            return _judge(rule, rule.condition, u, metrics, history)
        bad = [v for v in [u] + completeness if v != 1.0]
        if bad:
            return _failed(rule, f"Value: {_fmt(bad[0])} does not meet the constraint requirement!",
                           metrics)
        return {"rule": rule.text, "outcome": "Passed", "failure_reason": None,
                "evaluated_metrics": metrics}
    return fin


def _column_values(agg: _Aggregation, rule: Rule, w, cols, history: list[dict]):
    """ColumnValues: the share of rows whose value meets the condition; a numeric comparison
    without a threshold reports the column's minimum or maximum, as Glue does."""
    from pyspark.sql import functions as F
    c, col, cond = rule.columns[0], cols[0], rule.condition
    pred = _value_predicate(F, col, cond)
    tot, ok, nulls = agg.count_if(w), agg.count_if(w & pred), agg.count_if(w & col.isNull())
    numeric_minmax = (cond.kind == "number" and rule.threshold is None
                      and cond.op in (">", ">=", "<", "<=", "="))
    mn = agg.add(F.min(F.when(w, col.cast("double")))) if numeric_minmax else None
    mx = agg.add(F.max(F.when(w, col.cast("double")))) if numeric_minmax else None

    def fin(row):
        if row[tot] == 0:
            return _failed(rule, "Empty state: no rows to evaluate")
        compliance = row[ok] / row[tot]
        if mn is not None:
            metrics = {}
            if cond.op in (">", ">=", "=") and row[mn] is not None:
                metrics[f"Column.{c}.Minimum"] = float(row[mn])
            if cond.op in ("<", "<=", "=") and row[mx] is not None:
                metrics[f"Column.{c}.Maximum"] = float(row[mx])
        else:
            metrics = {f"Column.{c}.ColumnValues.Compliance": compliance}
        if rule.threshold is not None:
            return _judge(rule, rule.threshold, compliance, metrics, history)
        if row[ok] == row[tot]:
            return {"rule": rule.text, "outcome": "Passed", "failure_reason": None,
                    "evaluated_metrics": metrics}
        if row[nulls] and cond.op not in ("!=", "not in"):
            return _failed(rule, "Value: NULL does not meet the constraint requirement!", metrics)
        shown = (metrics.get(f"Column.{c}.Minimum") if cond.op in (">", ">=")
                 else metrics.get(f"Column.{c}.Maximum") if cond.op in ("<", "<=")
                 else compliance)
        if cond.op == "=" and mn is not None:
            shown = next(v for v in (metrics.get(f"Column.{c}.Minimum"),
                                     metrics.get(f"Column.{c}.Maximum"), compliance)
                         if v is not None and v != float(cond.operands[0].text))
        return _failed(rule, f"Value: {_fmt(shown)} does not meet the constraint requirement!",
                       metrics)
    return fin


def _custom_sql(spark, rule: Rule, history: list[dict]) -> dict:
    try:
        out = spark.sql(rule.params[0][0]).collect()
    except Exception as e:  # noqa: BLE001 - any Spark error fails the rule, as on AWS
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return _failed(rule, f"Custom SQL failed: {first}")
    if len(out) != 1 or len(out[0]) != 1:
        return _failed(rule, "Custom SQL must return exactly one value (one row, one column)")
    value = out[0][0]
    if value is None:
        return _failed(rule, "Custom SQL returned NULL")
    try:
        value = float(value)
    except (TypeError, ValueError):
        return _failed(rule, f"Custom SQL returned a non-numeric value: {value!r}")
    if math.isnan(value):
        return _failed(rule, "Custom SQL returned NaN")
    return _judge(rule, rule.condition, value, {rule.metric: value}, history)


# --------------------------------------------------------------------------- reports and history

def summarise(results: list[dict], ruleset: str) -> dict:
    """The block a job writes under `quality.<table>` in its JSON summary."""
    failed = sum(1 for r in results if r["outcome"] != "Passed")
    return {"ruleset": ruleset, "rules": results, "passed": len(results) - failed, "failed": failed}


def history_from_reports(paths_or_dicts, table: str) -> list[dict]:
    """Earlier runs' evaluated metrics for `table`, most recent first, from job summaries (dicts,
    JSON files, or folders of `*.json`) with a `quality.<table>.rules[*].evaluated_metrics` block.
    Runs are ordered by their `generated_at` (ISO 8601 UTC), then by file name; a run's metrics
    are those of all its rules merged. Missing paths are skipped (no history yet)."""
    docs: list[tuple[dict, str]] = []
    for item in paths_or_dicts or []:
        if isinstance(item, dict):
            docs.append((item, ""))
            continue
        path = os.fspath(item)
        files = (sorted(glob.glob(os.path.join(path, "*.json"))) if os.path.isdir(path)
                 else [path] if os.path.isfile(path) else [])
        for f in files:
            try:
                with open(f, encoding="utf-8") as fh:
                    docs.append((json.load(fh), os.path.basename(f)))
            except (OSError, ValueError):
                continue
    runs = []
    for doc, name in docs:
        block = ((doc.get("quality") or {}) if isinstance(doc, dict) else {}).get(table)
        if not block:
            continue
        metrics = {}
        for r in block.get("rules") or []:
            for k, v in (r.get("evaluated_metrics") or {}).items():
                if v is not None:
                    metrics[k] = float(v)
        if metrics:
            runs.append((str(doc.get("generated_at") or ""), name, metrics))
    runs.sort(key=lambda r: (r[0], r[1]), reverse=True)
    return [m for _, _, m in runs]


def check_table(spark, df, table: str, *, rules_dir: str | None = None, history: list[dict] | None = None,
                glue_context=None, ruleset_name: str | None = None) -> dict:
    """One table's `quality` block for the job summary (see `summarise`).

    Locally (no glue_context): the rules of `<rules_dir>/<table>.dqdl` (default DEFAULT_RULES_DIR),
    evaluated by `evaluate` with `history`; a ruleset the parser refuses raises DQDLError (a bug in
    the repository, which the tests catch first). On Glue: the deployed ruleset `ruleset_name`,
    evaluated by Glue's EvaluateDataQuality; an error there (a missing ruleset, a denied call) does
    not fail the job: the block records it under `error` and counts as one failed rule, so the
    alarm still fires."""
    if glue_context is None:
        text, source = read_ruleset(rules_dir or DEFAULT_RULES_DIR, table)
        return summarise(evaluate(spark, df, load_rules(text, source), history), source)
    try:
        if not ruleset_name:
            raise KeyError(f"no ruleset for table {table!r} in --quality_rulesets")
        return summarise(evaluate_on_glue(glue_context, df, ruleset_from_glue(ruleset_name), ruleset_name),
                         ruleset_name)
    except Exception as e:  # noqa: BLE001 - monitoring must not fail the job
        return {"ruleset": ruleset_name, "rules": [], "passed": 0, "failed": 1,
                "error": f"{type(e).__name__}: {e}"}


def outcome_lines(quality: dict) -> list[str]:
    """One line per table of a summary's `quality` dict: `quality licences: 8 rules, 8 passed`, or
    with the failed rules and their failure reasons (or the error that stopped the evaluation)."""
    lines = []
    for table, block in quality.items():
        rules = block.get("rules") or []
        line = f"quality {table}: {len(rules)} rules, {block.get('passed', 0)} passed"
        if block.get("failed"):
            failed = [f"{r['rule']} ({r.get('failure_reason') or r.get('outcome')})"
                      for r in rules if r.get("outcome") != "Passed"]
            if block.get("error"):
                failed.append(f"not evaluated: {block['error']}")
            line += f", {block['failed']} failed: " + "; ".join(failed)
        lines.append(line)
    return lines


class LocalRules:
    """The jobs' local wiring: `check(table, df)` evaluates `<rules_dir>/<table>.dqdl` (each file
    parsed now, so a missing or refused file stops the job before it reads data: OSError, DQDLError)
    with the dynamic rules' history from the earlier summaries in the `report_dir` folder (none when
    it is absent or not a local folder)."""

    def __init__(self, spark, rules_dir: str, report_dir: str | None, tables):
        for table in tables:
            load_rules(*read_ruleset(rules_dir, table))
        self.spark, self.rules_dir = spark, rules_dir
        self.reports = [report_dir] if report_dir and os.path.isdir(report_dir) else []

    def check(self, table: str, df) -> dict:
        return check_table(self.spark, df, table, rules_dir=self.rules_dir,
                           history=history_from_reports(self.reports, table))


class GlueRules:
    """The jobs' Glue wiring, from `--quality_rulesets table=RulesetName,...` and
    `--quality_metric_namespace` (None: results recorded, no metric). `checker(glue_context)` is
    the jobs' per-table callback (check_table on the deployed ruleset: an error is recorded and
    counts as a failed rule); `finish(quality, job_name)` prints the outcome lines and publishes
    RulesFailed / RulesEvaluated. A metric that cannot be published fails the job run (after the
    data and the summary are written): otherwise the alarm could never fire, and the platform's
    job-failure rule makes the run's failure heard."""

    def __init__(self, rulesets: str, namespace: str | None, job: str):
        self.rulesets, self.namespace, self.job = parse_rulesets(rulesets), namespace, job

    def checker(self, glue_context):
        def check(table: str, df) -> dict:
            return check_table(None, df, table, glue_context=glue_context, ruleset_name=self.rulesets.get(table))
        return check

    def finish(self, quality: dict, job_name: str, client=None) -> dict | None:
        for line in outcome_lines(quality):
            print(f"{self.job}: {line}")
        if not self.namespace:
            print(f"{self.job}: warning: no --quality_metric_namespace: RulesFailed and RulesEvaluated not published")
            return None
        try:
            return publish_metric(quality, job_name, self.namespace, client=client)
        except Exception as e:  # noqa: BLE001 - re-raised with what was already written
            raise RuntimeError(f"quality metrics not published to CloudWatch namespace {self.namespace} "
                               f"({type(e).__name__}: {e}); the data and the quality summary were written") from e


# --------------------------------------------------------------------------- AWS

def evaluate_on_glue(glue_context, df, ruleset_text: str, context_name: str) -> list[dict]:
    """Evaluate the ruleset with Glue's EvaluateDataQuality (AWS Glue only): results are published
    to Glue Data Quality under the evaluation context `context_name` (AWS keeps the history
    dynamic rules use under it), and returned as the same dicts as `evaluate`. Glue's own
    CloudWatch metrics stay off: the job publishes `RulesFailed` to the platform's namespace
    (`publish_metric`), the only one its role may write to."""
    from awsglue.dynamicframe import DynamicFrame
    from awsgluedq.transforms import EvaluateDataQuality

    frame = DynamicFrame.fromDF(df, glue_context, context_name)
    outcomes = EvaluateDataQuality.apply(
        frame=frame, ruleset=ruleset_text,
        publishing_options={
            "dataQualityEvaluationContext": context_name,
            "enableDataQualityCloudWatchMetrics": False,
            "enableDataQualityResultsPublishing": True,
        })
    results = []
    for r in outcomes.toDF().collect():
        d = r.asDict()
        metrics = d.get("EvaluatedMetrics") or {}
        results.append({"rule": d.get("Rule"), "outcome": d.get("Outcome"),
                        "failure_reason": d.get("FailureReason"),
                        "evaluated_metrics": {k: float(v) for k, v in metrics.items() if v is not None}})
    try:  # the ruleset's order, like the local evaluator (AWS does not promise an order)
        order = {r.text: i for i, r in enumerate(load_rules(ruleset_text))}
        results.sort(key=lambda r: order.get(" ".join(str(r["rule"]).split()), len(order)))
    except DQDLError:
        pass
    return results


def publish_metric(results, job_name: str, namespace: str = METRIC_NAMESPACE, region: str | None = None,
                   client=None) -> dict:
    """Put `RulesFailed` and `RulesEvaluated` (Count) in the CloudWatch `namespace` (the jobs pass
    `--quality_metric_namespace`, the one the platform's alarm on RulesFailed > 0 watches) with
    dimension JobName = the Glue job's name. `results`: the
    rule results (a list), or a job summary's `quality` dict (`{table: block}`, where a block that
    could not be evaluated counts as one failed rule)."""
    if client is None:
        import boto3
        client = boto3.client("cloudwatch", region_name=region) if region else boto3.client("cloudwatch")
    if isinstance(results, dict):
        failed = sum(int(b.get("failed", 0)) for b in results.values())
        evaluated = sum(len(b.get("rules") or []) for b in results.values())
    else:
        failed = sum(1 for r in results if r["outcome"] != "Passed")
        evaluated = len(results)
    dims = [{"Name": "JobName", "Value": job_name}]
    request = {"Namespace": namespace, "MetricData": [
        {"MetricName": "RulesFailed", "Dimensions": dims, "Value": float(failed), "Unit": "Count"},
        {"MetricName": "RulesEvaluated", "Dimensions": dims, "Value": float(evaluated), "Unit": "Count"},
    ]}
    client.put_metric_data(**request)
    return request


def ruleset_from_glue(name: str, region: str | None = None, client=None) -> str:
    """The DQDL of the deployed ruleset `name` (glue:GetDataQualityRuleset)."""
    if client is None:
        import boto3
        client = boto3.client("glue", region_name=region) if region else boto3.client("glue")
    return client.get_data_quality_ruleset(Name=name)["Ruleset"]
