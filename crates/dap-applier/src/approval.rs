//! Whether a run may go past the plan's broadenings of access: the approval policy, here
//! rather than in the CLI, so every caller of the applier applies the same one.
//!
//! A statement that grants more than before needs a person's yes. `--approve-broadening`
//! names it explicitly; without it, an interactive run asks, and a run with `--yes` proceeds
//! in `standard` and `relaxed` environments but is refused in `strict` ones (a CI job's blanket `--yes` must
//! not widen production's access by accident).

use dap_config::Protection;

use crate::plan::Plan;

/// What the run does about the plan's broadenings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BroadeningApproval {
    /// Nothing broadens, `--approve-broadening` approved it, or `--yes` did in an environment
    /// that is not `strict`.
    Approved,
    /// Ask the operator to approve these many broadening statements.
    Ask {
        /// The number of broadening statements.
        statements: usize,
    },
    /// Refused: `--yes` alone in a `strict` environment.
    Refused {
        /// The number of broadening statements.
        statements: usize,
    },
}

impl Plan {
    /// The approval the plan's broadenings need, given the environment's protection and the
    /// run's `--yes` and `--approve-broadening` ([`broadening_approval`]).
    pub fn broadening_approval(
        &self,
        protection: Protection,
        yes: bool,
        approve_broadening: bool,
    ) -> BroadeningApproval {
        broadening_approval(self.broadening().len(), protection, yes, approve_broadening)
    }
}

/// The policy for `statements` broadening statements.
pub fn broadening_approval(
    statements: usize,
    protection: Protection,
    yes: bool,
    approve_broadening: bool,
) -> BroadeningApproval {
    match (statements, approve_broadening, yes, protection) {
        (0, _, _, _) | (_, true, _, _) => BroadeningApproval::Approved,
        (_, false, true, Protection::Strict) => BroadeningApproval::Refused { statements },
        (_, false, true, Protection::Standard | Protection::Relaxed) => {
            BroadeningApproval::Approved
        }
        (_, false, false, _) => BroadeningApproval::Ask { statements },
    }
}

#[cfg(test)]
mod tests {
    use super::{broadening_approval as policy, BroadeningApproval as A};
    use dap_config::Protection::{Relaxed, Standard, Strict};

    #[test]
    fn the_whole_table() {
        for p in [Strict, Standard, Relaxed] {
            for yes in [true, false] {
                for approve in [true, false] {
                    // Nothing broadening needs nothing; a named approval approves anywhere.
                    assert_eq!(policy(0, p, yes, approve), A::Approved);
                    if approve {
                        assert_eq!(policy(3, p, yes, approve), A::Approved);
                    }
                }
            }
            // Without `--yes` a person is asked, in any environment.
            assert_eq!(policy(3, p, false, false), A::Ask { statements: 3 });
        }
        // `--yes` alone: enough in a relaxed environment, refused in a strict one.
        assert_eq!(policy(2, Relaxed, true, false), A::Approved);
        assert_eq!(policy(2, Standard, true, false), A::Approved);
        assert_eq!(policy(2, Strict, true, false), A::Refused { statements: 2 });
    }
}
