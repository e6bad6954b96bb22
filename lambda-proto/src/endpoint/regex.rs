//! A small regular-expression matcher for the `regionRegex` patterns of the partition data.
//!
//! Supported syntax: literals, `.`, `^`, `$`, groups `(..)` and `(?:..)`, alternation `|`,
//! the quantifiers `*`, `+`, `?`, bracket classes `[a-z0-9_]` / `[^..]`, the Perl classes
//! `\d \w \s \D \W \S` (ASCII meaning) and escaped punctuation such as `\-` or `\.`.
//! Matching is a breadth-first simulation of the compiled program (no backtracking), so it
//! runs in time proportional to `pattern length * input length` whatever the input.

use std::fmt;

/// Longest pattern accepted, in bytes.
const MAX_PATTERN_LEN: usize = 1024;
/// Deepest group nesting accepted.
const MAX_NESTING: usize = 32;

/// A compiled pattern.
#[derive(Clone, Debug)]
pub(crate) struct Regex {
    prog: Vec<Inst>,
}

/// Why a pattern could not be compiled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RegexError(&'static str);

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Perl {
    Digit,
    Word,
    Space,
}

impl Perl {
    fn matches(self, c: char) -> bool {
        match self {
            Perl::Digit => c.is_ascii_digit(),
            Perl::Word => c.is_ascii_alphanumeric() || c == '_',
            Perl::Space => matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ClassItem {
    Range(char, char),
    Perl(Perl, bool),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Class {
    Any,
    Char(char),
    Perl(Perl, bool),
    Set {
        negated: bool,
        items: Vec<ClassItem>,
    },
}

impl Class {
    fn matches(&self, c: char) -> bool {
        match self {
            Class::Any => c != '\n',
            Class::Char(x) => *x == c,
            Class::Perl(p, negated) => p.matches(c) != *negated,
            Class::Set { negated, items } => {
                let hit = items.iter().any(|item| match item {
                    ClassItem::Range(lo, hi) => (*lo..=*hi).contains(&c),
                    ClassItem::Perl(p, neg) => p.matches(c) != *neg,
                });
                hit != *negated
            }
        }
    }
}

#[derive(Clone, Debug)]
enum Node {
    Empty,
    Class(Class),
    Start,
    End,
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Star(Box<Node>),
    Plus(Box<Node>),
    Quest(Box<Node>),
}

#[derive(Clone, Debug)]
enum Inst {
    Class(Class),
    Split(usize, usize),
    Jmp(usize),
    Start,
    End,
    Match,
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    depth: usize,
}

impl Parser<'_> {
    fn alt(&mut self) -> Result<Node, RegexError> {
        let mut branches = vec![self.concat()?];
        while self.chars.peek() == Some(&'|') {
            self.chars.next();
            branches.push(self.concat()?);
        }
        Ok(if branches.len() == 1 {
            branches.pop().unwrap_or(Node::Empty)
        } else {
            Node::Alt(branches)
        })
    }

    fn concat(&mut self) -> Result<Node, RegexError> {
        let mut items = Vec::new();
        while let Some(&c) = self.chars.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let node = match self.chars.peek() {
                Some('*') => Node::Star(Box::new(atom)),
                Some('+') => Node::Plus(Box::new(atom)),
                Some('?') => Node::Quest(Box::new(atom)),
                Some('{') => return Err(RegexError("counted repetition {n,m} is not supported")),
                _ => {
                    items.push(atom);
                    continue;
                }
            };
            self.chars.next();
            if matches!(self.chars.peek(), Some('*' | '+' | '?')) {
                return Err(RegexError("lazy or repeated quantifiers are not supported"));
            }
            items.push(node);
        }
        Ok(Node::Concat(items))
    }

    fn atom(&mut self) -> Result<Node, RegexError> {
        let c = self
            .chars
            .next()
            .ok_or(RegexError("unexpected end of pattern"))?;
        Ok(match c {
            '(' => {
                self.depth += 1;
                if self.depth > MAX_NESTING {
                    return Err(RegexError("groups nested too deeply"));
                }
                if self.chars.peek() == Some(&'?') {
                    self.chars.next();
                    if self.chars.next() != Some(':') {
                        return Err(RegexError("only (?: ) groups are supported"));
                    }
                }
                let inner = self.alt()?;
                if self.chars.next() != Some(')') {
                    return Err(RegexError("unclosed group"));
                }
                self.depth -= 1;
                inner
            }
            '[' => Node::Class(self.bracket()?),
            '.' => Node::Class(Class::Any),
            '^' => Node::Start,
            '$' => Node::End,
            '\\' => Node::Class(self.escape()?),
            '*' | '+' | '?' | '{' => return Err(RegexError("quantifier without an operand")),
            ')' => return Err(RegexError("unmatched ')'")),
            c => Node::Class(Class::Char(c)),
        })
    }

    fn escape(&mut self) -> Result<Class, RegexError> {
        let c = self
            .chars
            .next()
            .ok_or(RegexError("pattern ends with '\\'"))?;
        Ok(match c {
            'd' => Class::Perl(Perl::Digit, false),
            'D' => Class::Perl(Perl::Digit, true),
            'w' => Class::Perl(Perl::Word, false),
            'W' => Class::Perl(Perl::Word, true),
            's' => Class::Perl(Perl::Space, false),
            'S' => Class::Perl(Perl::Space, true),
            'n' => Class::Char('\n'),
            't' => Class::Char('\t'),
            c if c.is_ascii_punctuation() => Class::Char(c),
            _ => return Err(RegexError("unsupported escape sequence")),
        })
    }

    fn bracket(&mut self) -> Result<Class, RegexError> {
        let negated = self.chars.peek() == Some(&'^');
        if negated {
            self.chars.next();
        }
        let mut items = Vec::new();
        let mut first = true;
        loop {
            let c = self.chars.next().ok_or(RegexError("unclosed '['"))?;
            if c == ']' && !first {
                break;
            }
            first = false;
            let lo = match c {
                '\\' => match self.escape()? {
                    Class::Char(x) => x,
                    Class::Perl(p, neg) => {
                        items.push(ClassItem::Perl(p, neg));
                        continue;
                    }
                    _ => return Err(RegexError("unsupported escape in '[ ]'")),
                },
                c => c,
            };
            let mut lookahead = self.chars.clone();
            if lookahead.next() == Some('-') && !matches!(lookahead.next(), Some(']') | None) {
                self.chars.next();
                let hi = match self.chars.next().ok_or(RegexError("unclosed '['"))? {
                    '\\' => match self.escape()? {
                        Class::Char(x) => x,
                        _ => return Err(RegexError("class escape cannot end a range")),
                    },
                    c => c,
                };
                if hi < lo {
                    return Err(RegexError("range out of order in '[ ]'"));
                }
                items.push(ClassItem::Range(lo, hi));
            } else {
                items.push(ClassItem::Range(lo, lo));
            }
        }
        Ok(Class::Set { negated, items })
    }
}

fn compile(node: Node, prog: &mut Vec<Inst>) {
    match node {
        Node::Empty => {}
        Node::Class(c) => prog.push(Inst::Class(c)),
        Node::Start => prog.push(Inst::Start),
        Node::End => prog.push(Inst::End),
        Node::Concat(items) => items.into_iter().for_each(|n| compile(n, prog)),
        Node::Alt(branches) => {
            let mut jumps = Vec::new();
            let count = branches.len();
            for (i, branch) in branches.into_iter().enumerate() {
                if i + 1 < count {
                    let split = prog.len();
                    prog.push(Inst::Split(split + 1, 0));
                    compile(branch, prog);
                    jumps.push(prog.len());
                    prog.push(Inst::Jmp(0));
                    let next = prog.len();
                    prog[split] = Inst::Split(split + 1, next);
                } else {
                    compile(branch, prog);
                }
            }
            let end = prog.len();
            for j in jumps {
                prog[j] = Inst::Jmp(end);
            }
        }
        Node::Star(inner) => {
            let split = prog.len();
            prog.push(Inst::Split(split + 1, 0));
            compile(*inner, prog);
            prog.push(Inst::Jmp(split));
            let end = prog.len();
            prog[split] = Inst::Split(split + 1, end);
        }
        Node::Plus(inner) => {
            let start = prog.len();
            compile(*inner, prog);
            let next = prog.len() + 1;
            prog.push(Inst::Split(start, next));
        }
        Node::Quest(inner) => {
            let split = prog.len();
            prog.push(Inst::Split(split + 1, 0));
            compile(*inner, prog);
            let end = prog.len();
            prog[split] = Inst::Split(split + 1, end);
        }
    }
}

impl Regex {
    /// Compiles `pattern`.
    pub(crate) fn new(pattern: &str) -> Result<Self, RegexError> {
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(RegexError("pattern too long"));
        }
        let mut parser = Parser {
            chars: pattern.chars().peekable(),
            depth: 0,
        };
        let node = parser.alt()?;
        if parser.chars.next().is_some() {
            return Err(RegexError("unmatched ')'"));
        }
        let mut prog = Vec::new();
        compile(node, &mut prog);
        prog.push(Inst::Match);
        Ok(Regex { prog })
    }

    /// Whether the pattern matches somewhere in `text` (use `^`/`$` to anchor).
    pub(crate) fn is_match(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let len = chars.len();
        let mut marks = vec![usize::MAX; self.prog.len()];
        let mut current: Vec<usize> = Vec::with_capacity(self.prog.len());
        let mut next: Vec<usize> = Vec::with_capacity(self.prog.len());
        let mut stack: Vec<usize> = Vec::new();
        for pos in 0..=len {
            self.add(&mut current, &mut marks, &mut stack, 0, pos, len);
            for &pc in &current {
                match self.prog.get(pc) {
                    Some(Inst::Match) => return true,
                    Some(Inst::Class(class))
                        if chars.get(pos).is_some_and(|&c| class.matches(c)) =>
                    {
                        self.add(&mut next, &mut marks, &mut stack, pc + 1, pos + 1, len);
                    }
                    _ => {}
                }
            }
            std::mem::swap(&mut current, &mut next);
            next.clear();
        }
        false
    }

    /// Adds the thread at `pc` and everything reachable from it without consuming input.
    fn add(
        &self,
        list: &mut Vec<usize>,
        marks: &mut [usize],
        stack: &mut Vec<usize>,
        pc: usize,
        pos: usize,
        len: usize,
    ) {
        stack.push(pc);
        while let Some(pc) = stack.pop() {
            match marks.get_mut(pc) {
                Some(mark) if *mark != pos => *mark = pos,
                _ => continue,
            }
            match self.prog.get(pc) {
                Some(Inst::Jmp(to)) => stack.push(*to),
                Some(Inst::Split(a, b)) => {
                    stack.push(*b);
                    stack.push(*a);
                }
                Some(Inst::Start) if pos == 0 => stack.push(pc + 1),
                Some(Inst::End) if pos == len => stack.push(pc + 1),
                Some(Inst::Start | Inst::End) => {}
                Some(_) => list.push(pc),
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Regex::new(pattern)
            .expect("pattern compiles")
            .is_match(text)
    }

    #[test]
    fn partition_patterns() {
        let aws = r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$";
        assert!(m(aws, "us-east-1"));
        assert!(m(aws, "mx-central-1"));
        assert!(m(aws, "ap-southeast-12"));
        assert!(!m(aws, "us-gov-west-1"));
        assert!(!m(aws, "us-iso-east-1"));
        assert!(!m(aws, "cn-north-1"));
        assert!(!m(aws, "us-east-1a"));
        assert!(!m(aws, "xus-east-1"));
        assert!(!m(aws, "us-east-"));
        assert!(!m(aws, "us--1"));
        let eusc = r"^eusc\-(de)\-\w+\-\d+$";
        assert!(m(eusc, "eusc-de-east-1"));
        assert!(!m(eusc, "eusc-fr-east-1"));
        assert!(m(r"^us\-gov\-\w+\-\d+$", "us-gov-west-1"));
    }

    #[test]
    fn general_syntax() {
        assert!(m("abc", "xxabcxx"));
        assert!(!m("^abc", "xxabc"));
        assert!(m("a(b|c)*d$", "abcbcd"));
        assert!(m("^a(?:b|c)?d$", "ad"));
        assert!(!m("^a(?:b|c)?d$", "abcd"));
        assert!(m("^[a-c0-9_]+$", "a0_b9c"));
        assert!(!m("^[a-c]+$", "abd"));
        assert!(m("^[^a-c]$", "z"));
        assert!(m(r"^[\d-]+$", "1-2-3"));
        assert!(m("^a.c$", "abc"));
        assert!(m(r"^\W\S\D$", "-x_"));
        assert!(m("^$", ""));
        assert!(m("^(a|)$", ""));
        assert!(m("^(a*)*$", "aaaa"));
    }

    #[test]
    fn rejects_unsupported_syntax() {
        for bad in [
            "a{2}", "(a", "a)", "[a", "*a", "a**", r"\q", "(?=a)", "[z-a]", "\\",
        ] {
            assert!(Regex::new(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn pathological_input_is_linear() {
        // Catastrophic for a backtracking matcher: (a*)*b against many a's.
        let re = Regex::new("^(a*)*b$").expect("compiles");
        let text = "a".repeat(5000);
        assert!(!re.is_match(&text));
    }
}
