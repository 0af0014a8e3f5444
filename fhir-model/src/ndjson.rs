//! Newline-delimited FHIR JSON (`application/fhir+ndjson`), the format of Bulk Data output
//! files: one resource per line.
//!
//! ```
//! use fhir_model::ndjson::{NdjsonReader, NdjsonWriter};
//! use fhir_model::{Patient, Resource};
//!
//! let mut writer = NdjsonWriter::new(Vec::new());
//! writer.write(&Patient { id: Some("1".into()), ..Default::default() })?;
//! writer.write(&Patient { id: Some("2".into()), ..Default::default() })?;
//! let bytes = writer.finish()?;
//! assert_eq!(bytes, b"{\"resourceType\":\"Patient\",\"id\":\"1\"}\n{\"resourceType\":\"Patient\",\"id\":\"2\"}\n");
//!
//! let ids: Vec<String> = NdjsonReader::<_, Resource>::new(&bytes[..])
//!     .map(|r| r.map(|line| line.resource.id().unwrap_or_default().to_owned()))
//!     .collect::<Result<_, _>>()?;
//! assert_eq!(ids, ["1", "2"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Rules (sources in `docs/spec/bulk.md`):
//! * Each line is one JSON text; lines end with `\n` and a `\r` before it is whitespace that
//!   JSON ignores (ndjson-spec 1.0 §3.1–3.2).
//! * Empty lines are skipped (ndjson-spec §3.2 allows a parser to ignore them; the Bulk Data v2
//!   example output file ends with one).
//! * The reader holds one line at a time, so memory stays bounded by the longest line, which
//!   is capped ([`ReaderOptions::max_line_bytes`]); a longer line is an error, never an
//!   allocation without limit.

use std::io::{self, BufRead, Write};
use std::marker::PhantomData;

use crate::json::{self, Options, RootJson, ToJson, Warning};

/// How the reader treats bad lines and how it parses good ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderOptions {
    /// JSON parsing options for each line (strict by default).
    pub json: Options,
    /// Report a bad line and go on with the next one, instead of stopping at the first.
    pub skip_bad_lines: bool,
    /// The longest line accepted, in bytes (without its line end).
    pub max_line_bytes: usize,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            json: Options::default(),
            skip_bad_lines: false,
            max_line_bytes: 16 * 1024 * 1024,
        }
    }
}

impl ReaderOptions {
    /// Lenient: bad lines are reported and skipped, and each line is parsed with
    /// [`Options::lenient`] (unknown elements and codes become warnings).
    pub fn lenient() -> Self {
        ReaderOptions {
            json: Options::lenient(),
            skip_bad_lines: true,
            ..ReaderOptions::default()
        }
    }
}

/// One resource read from a line.
#[derive(Debug, Clone)]
pub struct Line<T> {
    /// The 1-based line number in the file.
    pub number: u64,
    /// The resource.
    pub resource: T,
    /// What the lenient JSON parser stepped over on this line.
    pub warnings: Vec<Warning>,
}

/// Why a line could not be read.
#[derive(Debug, thiserror::Error)]
pub enum NdjsonError {
    /// The underlying reader failed.
    #[error("line {line}: reading failed: {source}")]
    Io {
        /// The line being read.
        line: u64,
        /// The I/O error.
        source: io::Error,
    },
    /// The line is not a resource of the expected type.
    #[error("line {line}: {source}")]
    Json {
        /// The 1-based line number.
        line: u64,
        /// The JSON error (its own line is 1; its column and path point into this line).
        source: json::Error,
    },
    /// The line is longer than [`ReaderOptions::max_line_bytes`].
    #[error("line {line}: longer than {limit} bytes")]
    LineTooLong {
        /// The 1-based line number.
        line: u64,
        /// The limit.
        limit: usize,
    },
}

impl NdjsonError {
    /// The 1-based line number the error is about.
    pub fn line(&self) -> u64 {
        match self {
            NdjsonError::Io { line, .. } | NdjsonError::Json { line, .. } | NdjsonError::LineTooLong { line, .. } => {
                *line
            }
        }
    }
}

/// Streams resources of type `T` out of NDJSON text, one line at a time.
///
/// An iterator of `Result<Line<T>, NdjsonError>`. In the default (strict) mode it ends after
/// the first error; with [`ReaderOptions::skip_bad_lines`] it yields the error and goes on.
/// An I/O error always ends it.
pub struct NdjsonReader<R, T> {
    input: R,
    options: ReaderOptions,
    line: u64,
    buf: Vec<u8>,
    done: bool,
    skipped: u64,
    _type: PhantomData<fn() -> T>,
}

/// What reading the next raw line gave.
enum RawLine {
    End,
    Line,
    TooLong,
}

impl<R: BufRead, T: RootJson> NdjsonReader<R, T> {
    /// A strict reader.
    pub fn new(input: R) -> Self {
        Self::with_options(input, ReaderOptions::default())
    }

    /// A reader with options.
    pub fn with_options(input: R, options: ReaderOptions) -> Self {
        NdjsonReader {
            input,
            options,
            line: 0,
            buf: Vec::new(),
            done: false,
            skipped: 0,
            _type: PhantomData,
        }
    }

    /// How many bad lines were reported so far.
    pub fn bad_lines(&self) -> u64 {
        self.skipped
    }

    /// The number of the last line read.
    pub fn line_number(&self) -> u64 {
        self.line
    }

    /// Reads the next line into `buf` without its line end, never holding more than
    /// `max_line_bytes` (the rest of an over-long line is consumed and dropped).
    fn next_raw(&mut self) -> io::Result<RawLine> {
        self.buf.clear();
        let limit = self.options.max_line_bytes;
        let mut too_long = false;
        let mut any = false;
        loop {
            let chunk = match self.input.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            any = true;
            let (part, found_end) = match memchr_newline(chunk) {
                Some(i) => (&chunk[..i], Some(i)),
                None => (chunk, None),
            };
            if !too_long {
                if self.buf.len() + part.len() > limit {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(part);
                }
            }
            let used = found_end.map_or(chunk.len(), |i| i + 1);
            self.input.consume(used);
            if found_end.is_some() {
                break;
            }
        }
        if !any {
            return Ok(RawLine::End);
        }
        if too_long {
            return Ok(RawLine::TooLong);
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        Ok(RawLine::Line)
    }

    fn fail(&mut self, error: NdjsonError) -> Option<Result<Line<T>, NdjsonError>> {
        self.skipped += 1;
        if !self.options.skip_bad_lines {
            self.done = true;
        }
        Some(Err(error))
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

impl<R: BufRead, T: RootJson> Iterator for NdjsonReader<R, T> {
    type Item = Result<Line<T>, NdjsonError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            let raw = match self.next_raw() {
                Ok(raw) => raw,
                Err(source) => {
                    self.done = true;
                    return Some(Err(NdjsonError::Io {
                        line: self.line + 1,
                        source,
                    }));
                }
            };
            match raw {
                RawLine::End => self.done = true,
                RawLine::TooLong => {
                    self.line += 1;
                    let error = NdjsonError::LineTooLong {
                        line: self.line,
                        limit: self.options.max_line_bytes,
                    };
                    return self.fail(error);
                }
                RawLine::Line => {
                    self.line += 1;
                    if is_blank(&self.buf) {
                        continue;
                    }
                    return match json::from_slice_with::<T>(&self.buf, self.options.json) {
                        Ok(parsed) => Some(Ok(Line {
                            number: self.line,
                            resource: parsed.value,
                            warnings: parsed.warnings,
                        })),
                        Err(source) => {
                            let error = NdjsonError::Json {
                                line: self.line,
                                source,
                            };
                            self.fail(error)
                        }
                    };
                }
            }
        }
        None
    }
}

/// Writes resources as NDJSON: compact FHIR JSON, one per line, each line ended by `\n`.
///
/// Compact FHIR JSON never contains a raw newline (JSON escapes control characters in strings,
/// RFC 8259 §7), so every resource stays on its line.
pub struct NdjsonWriter<W: Write> {
    output: W,
    written: u64,
}

impl<W: Write> NdjsonWriter<W> {
    /// A writer over `output` (wrap files in a `BufWriter`).
    pub fn new(output: W) -> Self {
        NdjsonWriter { output, written: 0 }
    }

    /// Writes one resource and its line end.
    pub fn write<T: ToJson + ?Sized>(&mut self, resource: &T) -> io::Result<()> {
        let text = json::to_string(resource);
        self.output.write_all(text.as_bytes())?;
        self.output.write_all(b"\n")?;
        self.written += 1;
        Ok(())
    }

    /// How many resources were written.
    pub fn count(&self) -> u64 {
        self.written
    }

    /// The output (to inspect it while writing).
    pub fn get_ref(&self) -> &W {
        &self.output
    }

    /// Flushes and returns the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.output.flush()?;
        Ok(self.output)
    }
}
