//! The progress display on stderr: one line per stack with `[n/N]`, its status and elapsed
//! time (indicatif). Only used when stderr is a terminal; no colours.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use dap_applier::{Event, Observer, StackOutcome};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Draws [`Event`]s.
pub struct Progress {
    multi: MultiProgress,
    bars: Mutex<HashMap<usize, ProgressBar>>,
}

impl Progress {
    /// A display on stderr.
    pub fn new() -> Self {
        Progress {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: Mutex::new(HashMap::new()),
        }
    }
}

/// `[3/7]`.
fn counter(index: usize, total: usize) -> String {
    format!("[{index}/{total}]")
}

/// One line for a finished stack.
pub fn finished_line(stack: &str, outcome: &StackOutcome, elapsed: Duration) -> String {
    match outcome {
        StackOutcome::Failed { status, reason } => format!(
            "{stack} failed{} after {:.1}s: {reason}",
            status
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default(),
            elapsed.as_secs_f64()
        ),
        StackOutcome::Skipped { because } => {
            format!("{stack} skipped: `{because}` did not succeed")
        }
        StackOutcome::Unchanged => format!("{stack} unchanged"),
        StackOutcome::NotStarted => format!("{stack} not started: the run was interrupted"),
        other => format!("{stack} {} in {:.1}s", other.label(), elapsed.as_secs_f64()),
    }
}

impl Observer for Progress {
    fn event(&self, event: &Event<'_>) {
        let mut bars = self.bars.lock().expect("progress lock");
        match event {
            Event::Started {
                index,
                total,
                stack,
                action,
            } => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix} {msg} ({elapsed})")
                        .expect("a valid template"),
                );
                bar.set_prefix(counter(*index, *total));
                bar.set_message(format!("{stack} {action}"));
                bar.enable_steady_tick(Duration::from_millis(120));
                bars.insert(*index, bar);
            }
            Event::Status {
                index,
                stack,
                status,
            } => {
                if let Some(bar) = bars.get(index) {
                    bar.set_message(format!("{stack} {status}"));
                }
            }
            Event::Asset { key, uploaded } => {
                let what = if *uploaded {
                    "uploaded"
                } else {
                    "already there"
                };
                let _ = self.multi.println(format!("      asset {key} {what}"));
            }
            Event::Finished {
                index,
                total,
                stack,
                outcome,
                elapsed,
            } => {
                let line = format!(
                    "  {} {}",
                    counter(*index, *total),
                    finished_line(stack, outcome, *elapsed)
                );
                match bars.remove(index) {
                    Some(bar) => {
                        bar.set_style(
                            ProgressStyle::with_template("  {msg}").expect("a valid template"),
                        );
                        bar.finish_with_message(line.trim_start().to_owned());
                    }
                    None => {
                        let _ = self.multi.println(line);
                    }
                }
            }
        }
    }
}
