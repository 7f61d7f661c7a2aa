//! The architecture diagram: built from the stacks, drawn as Mermaid and SVG; the SVG is
//! rasterised to check it draws.

use crate::common::{model, rendered, ENVIRONMENTS};

#[test]
fn the_data_flow_runs_from_landing_to_the_reports() {
    let m = model("prod");
    let flow = m.diagram.flow();
    let expect = [
        "landing → clean job `business-licences-clean` (reads)",
        "clean job `business-licences-clean` → raw (writes)",
        "raw → curate job `business-licences-curate` (reads)",
        "curate job `business-licences-curate` → curated (writes)",
        "curated → Athena workgroup `dap-prod-analytics` (queries)",
        "Athena workgroup `dap-prod-analytics` → named queries (runs)",
        "Athena workgroup `dap-prod-analytics` → report server (reports)",
    ];
    for step in expect {
        assert!(flow.iter().any(|f| f == step), "missing {step}: {flow:#?}");
    }
    // Keys, roles and monitoring are drawn too.
    let has_edge =
        |from: &str, to: &str| m.diagram.edges.iter().any(|e| e.from == from && e.to == to);
    assert!(has_edge("key_DataKey", "bucket_curated"));
    assert!(has_edge("key_LogsKey", "trail_Trail"));
    assert!(has_edge("role_glue_clean", "job_BusinessLicencesCleanJob"));
    assert!(has_edge("role_analyst", "wg_Workgroup"));
    assert!(has_edge("logs_TrailLogGroup", "trail_alarms"));
    assert!(has_edge("trail_alarms", "topic_AlarmTopic"));
    let mermaid = m.diagram.mermaid();
    assert!(mermaid.starts_with("flowchart LR\n"));
    for (_, stack) in &m.diagram.stacks {
        assert!(mermaid.contains(&format!("[\"{stack}\"]")), "{stack}");
    }
}

#[test]
fn the_svg_draws_every_stack_and_rasterises() {
    for (name, _) in ENVIRONMENTS {
        let (env, r) = rendered(name);
        let docs = dap_docs::generate(&env, &r).unwrap();
        let svg = String::from_utf8(docs[&format!("{name}/architecture.svg")].clone()).unwrap();
        for s in &r.stacks {
            assert!(
                svg.contains(&format!(">{}</text>", s.name)),
                "{name}: {}",
                s.name
            );
        }
        let mut opt = resvg::usvg::Options::default();
        opt.fontdb_mut().load_system_fonts();
        let tree = resvg::usvg::Tree::from_str(&svg, &opt).unwrap();
        let size = tree.size().to_int_size();
        assert!(
            size.width() > 800 && size.height() > 400,
            "{name}: {size:?}"
        );
        let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
        resvg::render(
            &tree,
            resvg::tiny_skia::Transform::default(),
            &mut pixmap.as_mut(),
        );
        // Drawn, not blank: the nodes' fills (buckets are #e3f0fb) and dark ink (borders,
        // edges, text) cover a fair share of the picture.
        let px = pixmap.pixels();
        let bucket_fill = px
            .iter()
            .filter(|p| (p.red(), p.green(), p.blue()) == (0xe3, 0xf0, 0xfb))
            .count();
        let dark = px
            .iter()
            .filter(|p| p.alpha() > 0 && p.red() < 128 && p.green() < 128 && p.blue() < 128)
            .count();
        let area = (size.width() * size.height()) as usize;
        eprintln!("{name}: {area} pixels, {bucket_fill} bucket fill, {dark} dark");
        assert!(
            bucket_fill > 7 * 100 * 30,
            "{name}: {bucket_fill} bucket pixels"
        );
        assert!(dark > area / 200, "{name}: {dark} dark pixels of {area}");
        let png = pixmap.encode_png().unwrap();
        assert!(png.len() > 10_000, "{name}: {} bytes", png.len());
        // Kept for a look: target/tmp/architecture-<env>.png.
        let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("architecture-{name}.png"));
        std::fs::write(&out, &png).unwrap();
    }
}

#[test]
fn nodes_do_not_overlap() {
    let m = model("prod");
    let svg = m.diagram.svg();
    let mut boxes: Vec<(i32, i32)> = Vec::new();
    for line in svg.lines().filter(|l| l.starts_with("<g><rect ")) {
        let attr = |name: &str| -> i32 {
            let start = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            line[start..].split('"').next().unwrap().parse().unwrap()
        };
        boxes.push((attr("x"), attr("y")));
    }
    assert_eq!(boxes.len(), m.diagram.nodes.len());
    let mut sorted = boxes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), boxes.len(), "two nodes at the same place");
}
