//! A positioned YAML tree, built from `saphyr-parser` events.
//!
//! `serde_yaml` stops at the first problem and keeps no positions in its `Value`, so the file is
//! first read into this small tree where every key and value knows its byte range, line and
//! column. The schema check ([`crate::schema`]) walks it to find every problem at once.

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

/// Deeper nesting than this is refused (an environment file is four levels deep at most).
const MAX_DEPTH: usize = 32;

/// Where something is in the source: a byte range plus the line and column of its start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pos {
    /// Byte offset of the start.
    pub start: usize,
    /// Byte offset of the end (exclusive).
    pub end: usize,
    /// Line of the start, 1-based.
    pub line: usize,
    /// Column of the start in characters, 1-based.
    pub column: usize,
}

impl Pos {
    /// The first character of the file.
    pub fn file_start() -> Pos {
        Pos {
            start: 0,
            end: 0,
            line: 1,
            column: 1,
        }
    }
}

/// A tag written on a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NodeTag {
    /// `!!str`, `!!int`, ...: the suffix.
    Core(String),
    /// The non-specific tag `!`.
    NonSpecific,
    /// Any other tag, as written.
    Other(String),
}

/// A scalar as written.
#[derive(Clone, Debug)]
pub(crate) struct Scalar {
    /// The scalar's value (quotes removed, escapes resolved).
    pub text: String,
    /// Whether it was written plain (unquoted, not a block scalar), so that YAML resolves its
    /// type from its text.
    pub plain: bool,
}

/// What a node holds.
#[derive(Debug)]
pub(crate) enum NodeKind {
    /// A scalar.
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, keys in file order (repeats kept, the schema check reports them).
    Map(Vec<(Node, Node)>),
    /// An alias (`*name`); refused by the schema check.
    Alias,
}

/// One node of the positioned tree.
#[derive(Debug)]
pub(crate) struct Node {
    /// Its content.
    pub kind: NodeKind,
    /// Its position (for collections, the start of the collection).
    pub pos: Pos,
    /// Its tag, if one is written.
    pub tag: Option<NodeTag>,
}

/// A problem found while reading the YAML itself.
#[derive(Debug)]
pub(crate) struct YamlProblem {
    /// Where.
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
}

/// The outcome of reading a file.
#[derive(Debug)]
pub(crate) struct Document {
    /// The first document's root, if the file holds one.
    pub root: Option<Node>,
    /// Non-fatal problems (extra documents).
    pub problems: Vec<YamlProblem>,
}

/// The number of the line at the end of `text`, 1-based: one more than its line breaks
/// (`\n`, `\r\n` and a lone `\r`, as in YAML).
pub(crate) fn line_count(text: &str) -> usize {
    let bytes = text.as_bytes();
    1 + bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

/// Converts the parser's character positions into byte offsets, lines and columns.
///
/// Lines and columns are computed from the character index (line breaks are `\n`, `\r\n` and
/// a lone `\r`, as in YAML) rather than taken from the parser, whose markers at the end of the
/// input can disagree with their own index. Each position costs a binary search, whatever the
/// length of its line.
struct Positions {
    /// Byte offset of every character, plus the length; `None` for ASCII text.
    char_to_byte: Option<Vec<usize>>,
    /// The number of characters.
    chars: usize,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    /// Character index where each line starts; `None` for ASCII text (the byte offsets).
    line_start_chars: Option<Vec<usize>>,
}

impl Positions {
    fn new(source: &str) -> Self {
        let ascii = source.is_ascii();
        let char_to_byte = if ascii {
            None
        } else {
            let mut offsets: Vec<usize> = source.char_indices().map(|(i, _)| i).collect();
            offsets.push(source.len());
            Some(offsets)
        };
        let bytes = source.as_bytes();
        let mut line_starts = vec![0];
        let mut line_start_chars = vec![0];
        let mut chars = 0;
        for (i, b) in bytes.iter().enumerate() {
            // Not a UTF-8 continuation byte: a character starts here.
            if (*b as i8) >= -0x40 {
                chars += 1;
            }
            let is_break = *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
            if is_break {
                line_starts.push(i + 1);
                if !ascii {
                    line_start_chars.push(chars);
                }
            }
        }
        Positions {
            char_to_byte,
            chars,
            line_starts,
            line_start_chars: (!ascii).then_some(line_start_chars),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.char_to_byte {
            None => char_index,
            Some(offsets) => offsets[char_index],
        }
    }

    /// The position of the characters `start..end` (character indices).
    fn at(&self, start: usize, end: usize) -> Pos {
        let start_char = start.min(self.chars);
        let end_char = end.clamp(start_char, self.chars);
        let start = self.byte(start_char);
        let line = self.line_starts.partition_point(|&s| s <= start);
        let line_start_char = match &self.line_start_chars {
            None => self.line_starts[line - 1],
            Some(chars) => chars[line - 1],
        };
        Pos {
            start,
            end: self.byte(end_char),
            line,
            column: start_char - line_start_char + 1,
        }
    }

    fn pos(&self, span: Span) -> Pos {
        self.at(span.start.index(), span.end.index())
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        tag: Option<NodeTag>,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        pos: Pos,
        tag: Option<NodeTag>,
    },
}

fn node_tag(tag: Option<std::borrow::Cow<'_, Tag>>) -> Option<NodeTag> {
    let tag = tag?;
    Some(if tag.is_yaml_core_schema() {
        NodeTag::Core(tag.suffix.clone())
    } else if tag.handle == "!" && tag.suffix.is_empty() {
        NodeTag::NonSpecific
    } else {
        NodeTag::Other(tag.to_string())
    })
}

/// Starts a collection.
fn open(
    stack: &mut Vec<Frame>,
    is_seq: bool,
    tag: Option<NodeTag>,
    pos: Pos,
) -> Result<(), YamlProblem> {
    if stack.len() >= MAX_DEPTH {
        return Err(YamlProblem {
            pos,
            message: format!(
                "nesting deeper than {MAX_DEPTH} levels; an environment file is a few levels deep"
            ),
        });
    }
    stack.push(if is_seq {
        Frame::Seq {
            items: Vec::new(),
            pos,
            tag,
        }
    } else {
        Frame::Map {
            entries: Vec::new(),
            key: None,
            pos,
            tag,
        }
    });
    Ok(())
}

/// Reads `source` into a positioned tree.
///
/// A YAML syntax error ends reading (the parser cannot go on) and is returned as `Err`.
pub(crate) fn load(source: &str) -> Result<Document, YamlProblem> {
    let positions = Positions::new(source);
    let mut parser = Parser::new_from_str(source);
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut documents = 0usize;
    let mut problems = Vec::new();

    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
            let index = e.marker().index();
            YamlProblem {
                pos: positions.at(index, index),
                message: format!("yaml syntax error: {}", e.info()),
            }
        })?;
        let pos = positions.pos(span);
        let complete = match event {
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents == 2 {
                    problems.push(YamlProblem {
                        pos,
                        message: "a second yaml document; an environment file holds exactly one"
                            .to_owned(),
                    });
                }
                None
            }
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => None,
            Event::Scalar(text, style, _anchor, tag) => Some(Node {
                kind: NodeKind::Scalar(Scalar {
                    text: text.into_owned(),
                    plain: style == ScalarStyle::Plain,
                }),
                pos,
                tag: node_tag(tag),
            }),
            Event::Alias(_) => Some(Node {
                kind: NodeKind::Alias,
                pos,
                tag: None,
            }),
            Event::SequenceStart(_, tag) => {
                open(&mut stack, true, node_tag(tag), pos)?;
                None
            }
            Event::MappingStart(_, tag) => {
                open(&mut stack, false, node_tag(tag), pos)?;
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { items, pos, tag }) => Some(Node {
                    kind: NodeKind::Seq(items),
                    pos,
                    tag,
                }),
                Some(Frame::Map {
                    entries, pos, tag, ..
                }) => Some(Node {
                    kind: NodeKind::Map(entries),
                    pos,
                    tag,
                }),
                None => None,
            },
        };
        let Some(node) = complete else { continue };
        match stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
            None => {
                if documents <= 1 {
                    root = Some(node);
                }
            }
        }
    }
    Ok(Document { root, problems })
}
