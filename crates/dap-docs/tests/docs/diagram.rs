//! The architecture diagram: built from the stacks, drawn as Mermaid and SVG; the SVG is
//! rasterised to check it draws.

use dap_docs::diagram::{EdgeKind, Layout, NodeKind, Placed, Rect, Routed};

use crate::common::{model, names, rendered};

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
    for name in names() {
        let name = name.as_str();
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
        // Every line of text is inside its box, as the fonts draw it.
        let mut boxes_seen = 0;
        for node in tree.root().children() {
            let resvg::usvg::Node::Group(g) = node else {
                continue;
            };
            if !g.id().starts_with("node-") {
                continue;
            }
            boxes_seen += 1;
            let mut parts = g.children().iter();
            let frame = parts.next().unwrap().abs_bounding_box();
            for text in parts {
                let b = text.abs_bounding_box();
                assert!(
                    b.left() >= frame.left() + 2.0
                        && b.right() <= frame.right() - 2.0
                        && b.top() >= frame.top()
                        && b.bottom() <= frame.bottom(),
                    "{name}: text of `{}` sticks out of its box: {b:?} in {frame:?}",
                    g.id()
                );
            }
        }
        assert_eq!(boxes_seen, svg.matches("<g id=\"node-").count(), "{name}");
        assert!(boxes_seen > 20, "{name}: {boxes_seen} boxes");
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

/// The boxes and edges of an SVG the diagram drew, read back: box groups are
/// `<g id="node-ID"><rect x y width height .../>`, edges are paths of `M x y L x y ...`
/// with a `<title>FROM label TO</title>`.
fn read_svg(svg: &str) -> Layout {
    let attr = |line: &str, name: &str| -> i32 {
        let start = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    let mut boxes = Vec::new();
    let mut edges = Vec::new();
    for line in svg.lines() {
        if let Some(rest) = line.strip_prefix("<g id=\"node-") {
            let id = rest.split('"').next().unwrap().to_owned();
            let texts: Vec<String> = rest
                .split("</text>")
                .filter_map(|t| t.rsplit_once('>').map(|(_, s)| s.to_owned()))
                .collect();
            boxes.push(Placed {
                id,
                kind: NodeKind::Bucket,
                rect: Rect {
                    x: attr(line, "x"),
                    y: attr(line, "y"),
                    w: attr(line, "width"),
                    h: attr(line, "height"),
                },
                label: texts,
                detail: Vec::new(),
            });
        } else if line.starts_with("<path d=\"M") && line.contains("<title>") {
            let d = line["<path d=\"".len()..].split('"').next().unwrap();
            let points = d
                .split(['M', 'L'])
                .filter(|s| !s.trim().is_empty())
                .map(|xy| {
                    let (x, y) = xy.trim().split_once(' ').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            let title = line
                .split("<title>")
                .nth(1)
                .unwrap()
                .split("</title>")
                .next()
                .unwrap();
            let words: Vec<&str> = title.split(' ').collect();
            edges.push(Routed {
                from: words[0].to_owned(),
                to: words[words.len() - 1].to_owned(),
                kind: EdgeKind::Flow,
                label: words[1..words.len() - 1].join(" "),
                points,
            });
        }
    }
    Layout {
        width: 0,
        height: 0,
        lanes: Vec::new(),
        boxes,
        edges,
    }
}

/// Issue 14: edges ran through unrelated boxes, arrowheads piled up on one point, labels
/// were cut. In every shipped environment, the layout and the SVG it becomes are clean.
#[test]
fn edges_go_round_boxes_and_meet_them_apart_in_every_environment() {
    for name in names() {
        let name = name.as_str();
        let m = model(name);
        let layout = m.diagram.layout();
        assert_eq!(layout.problems(), Vec::<String>::new(), "{name}: layout");
        assert_eq!(layout.boxes.len(), m.diagram.nodes.len());
        assert_eq!(layout.edges.len(), m.diagram.edges.len());
        let svg = m.diagram.svg();
        let read = read_svg(&svg);
        assert_eq!(read.problems(), Vec::<String>::new(), "{name}: svg");
        assert_eq!(read.boxes.len(), m.diagram.nodes.len(), "{name}");
        assert_eq!(read.edges.len(), m.diagram.edges.len(), "{name}");
        // Labels are wrapped, never cut: the lines hold the whole text.
        assert!(!svg.contains('…'), "{name}: a cut label");
        for (n, b) in m.diagram.nodes.iter().zip(&read.boxes) {
            let drawn: String = b.label.concat().replace(' ', "");
            let whole = format!("{}{}", n.label, n.detail)
                .replace('&', "&amp;")
                .replace(' ', "");
            assert_eq!(drawn, whole, "{name}: {}", n.id);
        }
    }
}

/// The check finds an edge drawn straight through a box, as the Bézier edges were.
#[test]
fn an_edge_through_a_box_in_the_svg_is_found() {
    let m = model("dev");
    let svg = m.diagram.svg();
    let layout = m.diagram.layout();
    // landing → clean job, straight from the centre of one to the centre of the other,
    // through the lanes between them.
    let centre = |id: &str| {
        let r = layout.boxes.iter().find(|b| b.id == id).unwrap().rect;
        (r.x + r.w / 2, r.y + r.h / 2)
    };
    let e = layout
        .edges
        .iter()
        .find(|e| e.from == "bucket_landing" && e.to == "job_BusinessLicencesCleanJob")
        .unwrap();
    let old: Vec<String> = e.points.iter().map(|(x, y)| format!("{x} {y}")).collect();
    let (a, b) = (centre(&e.from), centre(&e.to));
    let straight = format!("M{} {} L{} {}", a.0, a.1, b.0, b.1);
    let broken = svg.replacen(&format!("M{}", old.join(" L")), &straight, 1);
    assert_ne!(broken, svg);
    let problems = read_svg(&broken).problems();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("crosses box `bucket_landing`")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("off its target's border")),
        "{problems:#?}"
    );
}

/// The lanes are in deployment order: each stack's lane below the lanes of every stack it
/// depends on.
#[test]
fn lanes_follow_the_deployment_order() {
    for name in names() {
        let name = name.as_str();
        let (env, r) = rendered(name);
        let m = dap_docs::Model::new(&env, &r).unwrap();
        let lanes: Vec<String> = m
            .diagram
            .layout()
            .lanes
            .into_iter()
            .map(|l| l.name)
            .collect();
        let stacks: Vec<&String> = r.stacks.iter().map(|s| &s.name).collect();
        assert_eq!(lanes.iter().collect::<Vec<_>>(), stacks, "{name}");
        for s in &r.manifest.stacks {
            let at = lanes.iter().position(|l| *l == s.name).unwrap();
            for dep in &s.depends_on {
                let before = lanes.iter().position(|l| l == dep).unwrap();
                assert!(before < at, "{name}: {} above {dep}", s.name);
            }
        }
    }
}

#[test]
fn budgets_read_like_money() {
    let m = model("dev");
    let budget = m
        .diagram
        .nodes
        .iter()
        .find(|n| n.label == "budget")
        .unwrap();
    assert_eq!(budget.detail, "100 USD a month");
}

#[test]
fn nodes_do_not_overlap() {
    let m = model("prod");
    let svg = m.diagram.svg();
    let mut boxes: Vec<(i32, i32)> = Vec::new();
    for line in svg.lines().filter(|l| l.starts_with("<g id=\"node-")) {
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
