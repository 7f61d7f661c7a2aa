//! The evaluator judges policy documents shaped as a live account returns them (IAM's
//! URL-encoded JSON, KMS and S3 policies as JSON text), with the same reading it gives the
//! templates: what `dap verify` will ask of the live account.

use dap_model::eval::{Context, Evaluator, Request, Scope, Target, Who};
use dap_model::{LiveDocument, Pin, Policies, PolicyKind};

const ACCOUNT: &str = "111111111111";
const CURATED: &str = "dap-dev-curated-111111111111-ca-central-1";
const RAW: &str = "dap-dev-raw-111111111111-ca-central-1";

fn encode(json: &str) -> String {
    percent_encoding::utf8_percent_encode(json, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn doc(kind: PolicyKind, origin: &str, place: &str, to: &str, json: &str) -> LiveDocument {
    LiveDocument {
        kind,
        origin: origin.to_owned(),
        resource_type: match kind {
            PolicyKind::Bucket => "AWS::S3::BucketPolicy",
            PolicyKind::Key => "AWS::KMS::Key",
            _ => "AWS::IAM::Role",
        }
        .to_owned(),
        place: place.to_owned(),
        attached_to: vec![to.to_owned()],
        json: json.to_owned(),
    }
}

/// The analyst as deployed: curated objects through Athena, nothing of raw.
fn deployed() -> Vec<LiveDocument> {
    vec![
        doc(
            PolicyKind::Identity,
            "policy/dap-dev-analyst",
            "PolicyDocument",
            "dap-dev-analyst",
            &encode(&format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"ReadCuratedViaAthena","Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::{CURATED}/business-licences/*","Condition":{{"ForAnyValue:StringEquals":{{"aws:CalledVia":"athena.amazonaws.com"}}}}}}]}}"#
            )),
        ),
        doc(
            PolicyKind::Bucket,
            "bucket/curated",
            "Policy",
            CURATED,
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::{CURATED}","arn:aws:s3:::{CURATED}/*"],"Condition":{{"Bool":{{"aws:SecureTransport":"false"}}}}}}]}}"#
            ),
        ),
    ]
}

fn may_read(policies: &Policies, bucket: &str) -> (bool, Vec<String>) {
    let pin = Pin::new(ACCOUNT, "ca-central-1");
    let eval = Evaluator::new(policies, &pin.account, &pin.partition);
    let arn = format!("arn:aws:iam::{ACCOUNT}:role/dap-dev-analyst");
    let o = eval.decide(
        Who::Role {
            name: "dap-dev-analyst",
            arn: &arn,
        },
        &Request {
            action: "s3:GetObject".to_owned(),
            resources: vec![Target::under(format!("arn:aws:s3:::{bucket}/"))],
            resource_policy: Some((PolicyKind::Bucket, bucket.to_owned())),
            s3_prefix: None,
        },
        Scope::Some,
        Context::default(),
    );
    (o.allowed, o.qualifiers)
}

#[test]
fn live_documents_are_read_like_templates() {
    let pin = Pin::new(ACCOUNT, "ca-central-1");
    let policies = Policies::from_live(&deployed(), &pin).unwrap();
    assert_eq!(policies.statements.len(), 2);
    assert_eq!(policies.statements[0].sid, "ReadCuratedViaAthena");
    assert_eq!(
        may_read(&policies, CURATED),
        (true, vec!["via Athena".to_owned()])
    );
    assert!(!may_read(&policies, RAW).0);
}

#[test]
fn an_inline_policy_added_in_the_console_is_seen() {
    let pin = Pin::new(ACCOUNT, "ca-central-1");
    let mut docs = deployed();
    docs.push(doc(
        PolicyKind::Identity,
        "role/dap-dev-analyst/inline/quick-fix",
        "Policies[quick-fix]",
        "dap-dev-analyst",
        &encode(&format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::{RAW}/*"}}}}"#
        )),
    ));
    let policies = Policies::from_live(&docs, &pin).unwrap();
    assert_eq!(may_read(&policies, RAW), (true, Vec::new()));
}

#[test]
fn a_document_that_is_not_json_is_named() {
    let pin = Pin::new(ACCOUNT, "ca-central-1");
    let bad = [doc(
        PolicyKind::Key,
        "key/abc",
        "KeyPolicy",
        "k",
        "%7Bnot json",
    )];
    let err = Policies::from_live(&bad, &pin).unwrap_err();
    assert!(err.contains("key/abc"), "{err}");
}
