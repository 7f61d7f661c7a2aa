//! The miette rendering: every error as a related diagnostic with its source span.

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

use crate::common::{edit, edit_text, errors};

#[test]
fn graphical_report_shows_each_error_with_its_source_line() {
    let text = edit("log_retention_days: 731", "log_retention_days: 366");
    let text = edit_text(
        &text,
        "region: ca-central-1\n",
        "region: ca-central-1\nregon: x\n",
    );
    let errors = errors(&text);
    let related: Vec<_> = errors.related().unwrap().collect();
    assert_eq!(related.len(), 2);
    for diagnostic in &related {
        assert!(diagnostic.source_code().is_some());
        assert_eq!(diagnostic.labels().unwrap().count(), 1);
    }
    let mut out = String::new();
    GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(200)
        .render_report(&mut out, &errors)
        .unwrap();
    insta::assert_snapshot!(out);
}
