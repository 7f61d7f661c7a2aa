//! The access matrix: what least privilege promises in prod, and cells that follow the policies
//! when a policy changes.

use dap_docs::access::{AccessMatrix, LocationKind};
use dap_docs::Level;

use crate::common::{edit, model, rendered, statements, yaml};

const ANALYST_SSO: &str = "arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/ca-central-1/AWSReservedSSO_DataAnalyst_1a2b3c4d5e6f7a8b";

/// Every S3 location of a zone.
fn zone(m: &AccessMatrix, zone: &str) -> Vec<String> {
    m.locations
        .iter()
        .filter(|l| matches!(l.kind, LocationKind::S3 { .. }) && l.group == zone)
        .map(|l| l.id.clone())
        .collect()
}

fn highest_in(m: &AccessMatrix, principal: &str, zone_name: &str) -> Level {
    zone(m, zone_name)
        .iter()
        .map(|l| m.level(principal, l))
        .max()
        .unwrap()
}

fn matrix(env: &str) -> AccessMatrix {
    model(env).access
}

#[test]
fn prod_analyst_reads_curated_through_athena_only() {
    let m = matrix("prod");
    for who in ["analyst", ANALYST_SSO] {
        assert_eq!(highest_in(&m, who, "landing"), Level::None, "{who}");
        assert_eq!(highest_in(&m, who, "raw"), Level::None, "{who}");
        assert_eq!(highest_in(&m, who, "curated"), Level::Read, "{who}");
        let c = m.cell(who, "s3:curated/business-licences/").unwrap();
        assert_eq!(c.level, Level::Read);
        assert!(!c.partial);
        assert_eq!(c.qualifiers, ["via Athena"], "{who}");
        assert_eq!(m.level(who, "athena:workgroup/analytics"), Level::Write);
        assert_eq!(
            m.level(who, "glue:table/business-licences/licences"),
            Level::None
        );
        assert_eq!(
            m.level(who, "glue:table/business-licences/licences_by_month"),
            Level::Read
        );
    }
    assert_eq!(
        m.cell(ANALYST_SSO, "s3:curated").unwrap().through,
        ["analyst"]
    );
}

#[test]
fn prod_glue_jobs_read_their_input_zone_and_write_their_output_zone() {
    let m = matrix("prod");
    // glue-clean: landing (per year) → raw.
    assert_eq!(highest_in(&m, "glue-clean", "landing"), Level::Read);
    assert_eq!(
        m.level("glue-clean", "s3:landing/business-licences/year=2023/"),
        Level::Read
    );
    assert_eq!(
        m.level("glue-clean", "s3:landing/business-licences/year=2024/"),
        Level::Read
    );
    let whole = m
        .cell("glue-clean", "s3:landing/business-licences/")
        .unwrap();
    assert!(whole.partial, "only the configured years: {whole:?}");
    assert_eq!(
        m.level("glue-clean", "s3:raw/business-licences/"),
        Level::Write
    );
    assert_eq!(highest_in(&m, "glue-clean", "curated"), Level::None);
    // glue-curate: raw → curated.
    assert_eq!(highest_in(&m, "glue-curate", "landing"), Level::None);
    assert_eq!(highest_in(&m, "glue-curate", "raw"), Level::Read);
    assert_eq!(
        m.level("glue-curate", "s3:raw/business-licences/"),
        Level::Read
    );
    assert_eq!(
        m.level("glue-curate", "s3:curated/business-licences/"),
        Level::Write
    );
    // Neither reaches the trail's logs.
    for job in ["glue-clean", "glue-curate"] {
        assert_eq!(highest_in(&m, job, "trail-logs"), Level::None, "{job}");
    }
}

#[test]
fn prod_auditor_reads_trail_logs_and_no_data_zone() {
    let m = matrix("prod");
    assert_eq!(
        m.level("auditor", "s3:trail-logs/AWSLogs/<account>/"),
        Level::Read
    );
    assert_eq!(m.level("auditor", "logs:/<prefix>/cloudtrail"), Level::Read);
    assert_eq!(m.level("auditor", "kms:logs"), Level::Decrypt);
    for z in ["landing", "raw", "curated", "athena-results"] {
        assert_eq!(highest_in(&m, "auditor", z), Level::None, "{z}");
    }
}

#[test]
fn granting_the_analyst_write_on_raw_is_stopped_by_the_perimeter_until_it_is_dropped() {
    let (env, mut r) = rendered("prod");
    edit(&mut r, "access", |doc| {
        statements(doc, "AnalystRolePolicy", "PolicyDocument").push(yaml(
            "Sid: TestAnalystWritesRaw\nEffect: Allow\nAction: [s3:PutObject]\n\
             Resource: [arn:aws:s3:::dap-prod-raw-333333333333-ca-central-1/*]",
        ));
    });
    let m = dap_docs::Model::new(&env, &r).unwrap().access;
    assert_eq!(
        m.level("analyst", "s3:raw/business-licences/"),
        Level::None,
        "the raw bucket's perimeter names only the roles meant to reach raw"
    );
    edit(&mut r, "storage", |doc| {
        statements(doc, "RawBucketPolicy", "PolicyDocument")
            .retain(|s| s["Sid"] != "DenyDataAccessOutsideThePlatform");
    });
    let m = dap_docs::Model::new(&env, &r).unwrap().access;
    assert_eq!(
        m.level("analyst", "s3:raw/business-licences/"),
        Level::Write
    );
    assert_eq!(
        m.level(ANALYST_SSO, "s3:raw/business-licences/"),
        Level::Write
    );
    // Still none on landing: the grant is on raw only.
    assert_eq!(highest_in(&m, "analyst", "landing"), Level::None);
    let docs = dap_docs::generate(&env, &r).unwrap();
    let access = String::from_utf8(docs["prod/access.md"].clone()).unwrap();
    assert!(access.contains("access/AnalystRolePolicy#TestAnalystWritesRaw"));
}

#[test]
fn an_explicit_deny_in_a_bucket_policy_wins_over_the_role_s_allow() {
    let (env, mut r) = rendered("prod");
    let before = dap_docs::Model::new(&env, &r).unwrap().access;
    assert_eq!(
        before.level("data-engineer", "s3:curated/business-licences/"),
        Level::Read
    );
    edit(&mut r, "storage", |doc| {
        statements(doc, "CuratedBucketPolicy", "PolicyDocument").push(yaml(
            "Sid: TestDenyEngineers\nEffect: Deny\nPrincipal:\n  AWS: [arn:aws:iam::333333333333:role/dap-prod-data-engineer]\n\
             Action: [s3:GetObject]\nResource: [arn:aws:s3:::dap-prod-curated-333333333333-ca-central-1/*]",
        ));
    });
    let after = dap_docs::Model::new(&env, &r).unwrap().access;
    // Listing is still allowed; reading is denied.
    assert_eq!(
        after.level("data-engineer", "s3:curated/business-licences/"),
        Level::List
    );
    // Others are untouched.
    assert_eq!(
        after.level("analyst", "s3:curated/business-licences/"),
        Level::Read
    );
}

#[test]
fn an_explicit_deny_in_an_identity_policy_wins_too() {
    let (env, mut r) = rendered("prod");
    edit(&mut r, "access", |doc| {
        statements(doc, "DataEngineerRolePolicy", "PolicyDocument").push(yaml(
            "Sid: TestNoLanding\nEffect: Deny\nAction: ['s3:*']\n\
             Resource: ['arn:aws:s3:::dap-prod-landing-333333333333-ca-central-1/business-licences/year=2023/*']",
        ));
    });
    let m = dap_docs::Model::new(&env, &r).unwrap().access;
    assert_eq!(
        m.level("data-engineer", "s3:landing/business-licences/year=2023/"),
        Level::List
    );
    assert_eq!(
        m.level("data-engineer", "s3:landing/business-licences/year=2024/"),
        Level::Write
    );
    // The dataset prefix as a whole is now writable only in part.
    let c = m
        .cell("data-engineer", "s3:landing/business-licences/")
        .unwrap();
    assert_eq!((c.level, c.partial), (Level::Write, true));
}

#[test]
fn removing_the_tls_deny_lets_requests_without_tls_through() {
    let (env, mut r) = rendered("prod");
    let before = dap_docs::Model::new(&env, &r).unwrap();
    assert!(before.access.without_tls.is_empty());
    assert!(before.encryption.buckets.iter().all(|b| b.tls_enforced));
    edit(&mut r, "storage", |doc| {
        statements(doc, "LandingBucketPolicy", "PolicyDocument")
            .retain(|s| s["Sid"] != "DenyInsecureTransport");
    });
    let after = dap_docs::Model::new(&env, &r).unwrap();
    assert!(after.access.without_tls.contains(&(
        "data-engineer".to_owned(),
        "s3:landing/business-licences/".to_owned()
    )));
    assert!(after
        .access
        .without_tls
        .iter()
        .all(|(_, l)| l.starts_with("s3:landing")));
    let landing = after
        .encryption
        .buckets
        .iter()
        .find(|b| b.zone == "landing")
        .unwrap();
    assert!(!landing.tls_enforced);
    // Over TLS nothing changes: the deny never reduced access.
    assert_eq!(
        after
            .access
            .level("data-engineer", "s3:landing/business-licences/"),
        before
            .access
            .level("data-engineer", "s3:landing/business-licences/")
    );
}

#[test]
fn a_key_policy_without_its_use_statements_takes_the_key_from_every_role() {
    let (env, mut r) = rendered("prod");
    edit(&mut r, "security", |doc| {
        statements(doc, "DataKey", "KeyPolicy").retain(|s| {
            !s["Sid"]
                .as_str()
                .is_some_and(|sid| sid.starts_with("KeyUseByPlatformRoles"))
        });
    });
    let m = dap_docs::Model::new(&env, &r).unwrap().access;
    for role in ["glue-clean", "data-engineer", "analyst", "auditor"] {
        // At most `DescribeKey` (read), which the administration statement delegates to IAM.
        assert!(m.level(role, "kms:data") <= Level::Read, "{role}");
    }
    let admin = m.cell("account-root", "kms:data").unwrap();
    assert!(
        admin.grants.iter().all(|g| g.level != Level::Decrypt),
        "administrators manage the key, never use it: {admin:?}"
    );
    // The S3 allow is still there, but reading fails without the key: the cell says so.
    let c = m
        .cell("glue-clean", "s3:landing/business-licences/year=2023/")
        .unwrap();
    assert_eq!(c.level, Level::Read);
    assert_eq!(c.qualifiers, ["no kms:Decrypt on the bucket key"]);
    // The Glue service keeps its own grant.
    assert_eq!(
        m.level("service:glue.amazonaws.com", "kms:data"),
        Level::Decrypt
    );
}

#[test]
fn every_shipped_environment_keeps_the_promises() {
    for env in crate::common::names() {
        let env = env.as_str();
        let m = matrix(env);
        assert_eq!(highest_in(&m, "analyst", "landing"), Level::None, "{env}");
        assert_eq!(highest_in(&m, "analyst", "raw"), Level::None, "{env}");
        assert_eq!(highest_in(&m, "auditor", "curated"), Level::None, "{env}");
        assert_eq!(
            highest_in(&m, "glue-clean", "curated"),
            Level::None,
            "{env}"
        );
        assert!(m.without_tls.is_empty(), "{env}: {:?}", m.without_tls);
    }
}

/// The account row is honest, and the perimeter holds: an administrator of the account
/// (AdministratorAccess, PowerUserAccess) reads, writes and deletes nothing in landing, raw,
/// curated, the query results and (the environments have a deploy role) the assets bucket's
/// scripts, and decrypts with neither key; it can still administer
/// them (change a bucket or key policy), which the report shows. A service reaches what the
/// roles it may assume reach.
#[test]
fn administrators_reach_no_data_and_services_reach_what_their_roles_reach() {
    for env in ["dev", "staging", "prod"] {
        let m = matrix(env);
        for zone in ["landing", "raw", "curated", "athena-results", "assets"] {
            let cells: Vec<_> = m
                .row("account-root")
                .into_iter()
                .filter(|(loc, _)| loc.id.starts_with(&format!("s3:{zone}/")))
                .collect();
            assert!(!cells.is_empty(), "{env}: no location of {zone}");
            for (loc, cell) in cells {
                assert!(
                    cell.grants.iter().all(|g| g.level == Level::Admin),
                    "{env}: administrators reach data in {}: {cell:?}",
                    loc.id
                );
            }
        }
        for key in ["kms:data", "kms:logs"] {
            let c = m.cell("account-root", key).unwrap();
            // Administration and `DescribeKey` (read), never encrypt or decrypt.
            assert!(
                c.grants
                    .iter()
                    .all(|g| matches!(g.level, Level::Admin | Level::Read)),
                "{env}: administrators use {key}: {c:?}"
            );
            assert_eq!(
                c.level,
                Level::Admin,
                "{env}: the account keeps key administration"
            );
        }
        assert!(
            highest_in(&m, "service:glue.amazonaws.com", "raw") >= Level::Write,
            "{env}: the clean job's service writes raw through its role"
        );
    }
    let m = matrix("prod");
    let glue = m
        .principals
        .iter()
        .find(|p| p.id == "service:glue.amazonaws.com")
        .unwrap();
    assert!(glue.assumes.contains(&"glue-clean".to_owned()), "{glue:?}");
}

/// Key use goes through the services that use the key for each role: a role's direct
/// `kms:Decrypt` (outside S3, Athena, Glue, CloudWatch Logs, EC2) is not allowed by the key
/// policy, whatever its identity policy says.
#[test]
fn each_role_uses_the_keys_only_through_its_services() {
    let (env, r) = rendered("prod");
    let security = r
        .stacks
        .iter()
        .find(|s| s.kind.slug() == "security")
        .unwrap();
    let t = serde_json::to_value(&security.template).unwrap();
    for key in ["DataKey", "LogsKey"] {
        let policy = &t["Resources"][key]["Properties"]["KeyPolicy"]["Statement"];
        let uses: Vec<&serde_json::Value> = policy
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| {
                s["Sid"]
                    .as_str()
                    .is_some_and(|sid| sid.starts_with("KeyUseByPlatformRoles"))
            })
            .collect();
        assert!(!uses.is_empty(), "{key}");
        for s in uses {
            let via = s["Condition"]["StringEquals"]["kms:ViaService"]
                .as_array()
                .unwrap_or_else(|| panic!("{key}: {s} has no kms:ViaService"));
            assert!(!via.is_empty());
            for v in via {
                let v = v.as_str().unwrap();
                assert!(
                    v.ends_with(&format!(".{}.amazonaws.com", env.region)),
                    "{key}: {v}"
                );
            }
        }
    }
}
