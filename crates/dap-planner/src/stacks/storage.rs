//! The S3 buckets: data zones, results, assets and logs, each hardened the same way.

use dap_cfn::policy::{PolicyDocument, Principal, Statement};
use dap_cfn::resources::s3;
use dap_cfn::{r#ref, ResourceEntry, Template, Value};
use dap_config::Environment;

use crate::builder::{Builder, Key};
use crate::names::{Names, Zone};

pub fn build(env: &Environment, names: &Names) -> Template {
    let mut b = Builder::new(
        env,
        names,
        "dap storage: data lake zones, results, assets and log buckets",
    );
    let data_key = b.key_arn(Key::Data);
    let logs_key = b.key_arn(Key::Logs);
    for zone in Zone::ALL {
        let encryption = match zone {
            Zone::AccessLogs => s3::BucketEncryption::s3_managed(),
            Zone::TrailLogs => s3::BucketEncryption::kms(logs_key.clone()),
            _ => s3::BucketEncryption::kms(data_key.clone()),
        };
        let logging = (zone != Zone::AccessLogs).then(|| s3::LoggingConfiguration {
            destination_bucket_name: r#ref(Zone::AccessLogs.logical_id()),
            log_file_prefix: format!("{}/", zone.slug()),
        });
        let bucket = s3::Bucket {
            bucket_name: names.bucket(zone).into(),
            bucket_encryption: encryption,
            versioning_configuration: s3::VersioningConfiguration::enabled(),
            public_access_block_configuration: s3::PublicAccessBlockConfiguration::all(),
            ownership_controls: s3::OwnershipControls::bucket_owner_enforced(),
            lifecycle_configuration: lifecycle(env, zone),
            logging_configuration: logging,
            tags: b.tags(),
        };
        let mut entry = ResourceEntry::new(bucket).retain();
        if zone == Zone::AccessLogs {
            const NO_SELF_LOGGING: &str =
                "the access-log bucket receives the other buckets' access logs and cannot log to itself";
            entry = entry
                .skip_checkov("CKV_AWS_18", NO_SELF_LOGGING)
                // `DAP-S3-007` (dap_rules::codes::BUCKET_ACCESS_NOT_LOGGED): the planner does
                // not depend on the rules crate, so the code is written out.
                .suppress("DAP-S3-007", NO_SELF_LOGGING);
        }
        b.add(zone.logical_id(), entry);
        b.add(
            &format!("{}Policy", zone.logical_id()),
            ResourceEntry::new(s3::BucketPolicy {
                bucket: r#ref(zone.logical_id()),
                policy_document: bucket_policy(env, names, zone),
            }),
        );
    }
    for zone in Zone::ALL {
        b.output(
            &format!("{}Name", zone.logical_id()),
            &format!("the {} bucket", zone.slug()),
            r#ref(zone.logical_id()),
        );
    }
    b.finish()
}

fn lifecycle(env: &Environment, zone: Zone) -> s3::LifecycleConfiguration {
    let r = &env.retention;
    let expiry = match zone {
        Zone::Landing => Some(r.landing_expiry_days),
        Zone::AthenaResults => Some(r.athena_results_expiry_days),
        Zone::AccessLogs | Zone::TrailLogs => Some(r.log_retention_days),
        Zone::Raw | Zone::Curated | Zone::Assets => None,
    };
    let mut rules = vec![s3::LifecycleRule {
        id: "ExpireNoncurrentVersions".to_owned(),
        status: "Enabled".to_owned(),
        prefix: None,
        expiration_in_days: None,
        noncurrent_version_expiration: Some(s3::NoncurrentVersionExpiration {
            noncurrent_days: r.noncurrent_version_expiry_days,
        }),
        abort_incomplete_multipart_upload: Some(s3::AbortIncompleteMultipartUpload {
            days_after_initiation: 7,
        }),
    }];
    if let Some(days) = expiry {
        rules.push(s3::LifecycleRule {
            id: "ExpireObjects".to_owned(),
            status: "Enabled".to_owned(),
            prefix: None,
            expiration_in_days: Some(days),
            noncurrent_version_expiration: None,
            abort_incomplete_multipart_upload: None,
        });
    }
    s3::LifecycleConfiguration { rules }
}

/// The data perimeter of a zone: no principal but the roles meant to reach its objects (and
/// the environment's break-glass role, when it names one; for the assets bucket, the deploy
/// role that uploads the scripts) lists, reads, writes or deletes them, whatever its identity
/// policy says (an account administrator included). AWS services acting as themselves (`aws:PrincipalIsAWSService`) are not
/// principals of the account and keep the grants the policy gives them by name; services that
/// act for a caller (Athena, Glue) use the caller's role, which the list names.
fn perimeter(env: &Environment, names: &Names, zone: Zone) -> Statement {
    let roles = crate::intent::perimeter(env, zone)
        .into_iter()
        .map(|r| names.role_arn(r))
        .chain(env.principals.break_glass.clone().map(Into::into))
        .chain(
            env.deploy_role
                .as_ref()
                .filter(|_| zone == Zone::Assets)
                .map(|d| d.arn.clone().into()),
        )
        .collect();
    Statement::deny(
        "DenyDataAccessOutsideThePlatform",
        PERIMETER_ACTIONS,
        vec![names.bucket_arn(zone), names.objects_arn(zone, "")],
    )
    .principal(Principal::Any)
    .when("ArnNotEquals", "aws:PrincipalArn", roles)
    .when(
        "BoolIfExists",
        "aws:PrincipalIsAWSService",
        vec!["false".into()],
    )
}

/// The actions the perimeter denies: listing the object keys (file names), reading, writing,
/// deleting and restoring data.
const PERIMETER_ACTIONS: &[&str] = &[
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:GetObject",
    "s3:GetObjectAttributes",
    "s3:GetObjectVersion",
    "s3:ListBucket",
    "s3:ListBucketMultipartUploads",
    "s3:ListBucketVersions",
    "s3:ListMultipartUploadParts",
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:ReplicateObject",
    "s3:RestoreObject",
];

fn bucket_policy(env: &Environment, names: &Names, zone: Zone) -> PolicyDocument {
    let bucket = names.bucket_arn(zone);
    let objects = names.objects_arn(zone, "");
    let mut statements = vec![Statement::deny(
        "DenyInsecureTransport",
        &["s3:*"],
        vec![bucket.clone(), objects.clone()],
    )
    .principal(Principal::Any)
    .when("Bool", "aws:SecureTransport", vec!["false".into()])];
    if crate::intent::perimeter_zones(env).contains(&zone) {
        statements.push(perimeter(env, names, zone));
    }
    let account: Value<String> = names.account().into();
    match zone {
        Zone::AccessLogs => {
            let sources = Zone::ALL
                .iter()
                .filter(|z| **z != Zone::AccessLogs)
                .map(|z| names.bucket_arn(*z))
                .collect();
            statements.push(
                Statement::allow(
                    "S3ServerAccessLogDelivery",
                    &["s3:PutObject"],
                    vec![objects],
                )
                .principal(Principal::Service(vec!["logging.s3.amazonaws.com".into()]))
                .when("StringEquals", "aws:SourceAccount", vec![account])
                .when("ArnLike", "aws:SourceArn", sources),
            );
        }
        Zone::TrailLogs => {
            statements.push(
                Statement::allow("CloudTrailAclCheck", &["s3:GetBucketAcl"], vec![bucket])
                    .principal(Principal::Service(vec!["cloudtrail.amazonaws.com".into()]))
                    .when("StringEquals", "aws:SourceArn", vec![names.trail_arn()]),
            );
            statements.push(
                Statement::allow(
                    "CloudTrailWrite",
                    &["s3:PutObject"],
                    vec![names.objects_arn(zone, &format!("AWSLogs/{}/", names.account()))],
                )
                .principal(Principal::Service(vec!["cloudtrail.amazonaws.com".into()]))
                .when("StringEquals", "aws:SourceArn", vec![names.trail_arn()])
                .when(
                    "StringEquals",
                    "s3:x-amz-acl",
                    vec!["bucket-owner-full-control".into()],
                ),
            );
        }
        _ => {}
    }
    PolicyDocument::new(statements)
}
