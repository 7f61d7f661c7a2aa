//! What every role is meant to reach: the access intent the planner writes its policies
//! from, emitted with the rendered environment so a rule can evaluate the rendered policies
//! (identity, trust, bucket and key policies together) and report every place where the
//! computed access exceeds it.
//!
//! A role × bucket or key pair that is not listed is meant to have no access at all. S3
//! levels count objects anywhere in the bucket (one prefix is enough); the `via` of an entry
//! is the only way the access is meant to be used (`Athena`: `aws:CalledVia`; `S3`,
//! `CloudWatch Logs`: `kms:ViaService`).

use dap_config::Environment;

use crate::names::{Names, Zone};
use crate::roles::RoleKind;

/// How far a principal reaches into a bucket's objects or a key, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reach {
    /// Nothing.
    None,
    /// Read objects (`s3:GetObject`); on a key, generate data keys to encrypt
    /// (`kms:GenerateDataKey`).
    Read,
    /// Write objects (`s3:PutObject`); on a key, decrypt (`kms:Decrypt`).
    Write,
    /// Delete objects (`s3:DeleteObject`).
    Delete,
    /// Change the bucket's or key's policy (`s3:PutBucketPolicy`, `kms:PutKeyPolicy`).
    Admin,
}

impl Reach {
    /// The level's name for messages.
    pub fn label(self, key: bool) -> &'static str {
        match (self, key) {
            (Reach::None, _) => "none",
            (Reach::Read, false) => "read",
            (Reach::Read, true) => "encrypt",
            (Reach::Write, false) => "write",
            (Reach::Write, true) => "decrypt",
            (Reach::Delete, _) => "delete",
            (Reach::Admin, _) => "admin",
        }
    }
}

/// What an intent entry is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A bucket's objects.
    Bucket {
        /// The zone (`curated`).
        zone: &'static str,
        /// The bucket's name.
        name: String,
    },
    /// A KMS key of the security stack.
    Key {
        /// The key's logical id (`DataKey`, `LogsKey`).
        logical_id: &'static str,
    },
}

/// One role's intended reach into one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Intended {
    /// The role's physical name, or [`ADMINISTRATOR`] for the account's administrators.
    pub role: String,
    /// The role's logical id (empty for the administrators).
    pub role_id: &'static str,
    /// The bucket or key.
    pub place: Place,
    /// The highest intended level.
    pub reach: Reach,
    /// The only way it is meant to be used, when there is one (`Athena`, `S3`,
    /// `CloudWatch Logs`).
    pub via: Option<&'static str>,
    /// Whether changing the bucket's or key's policy is meant (only the account's
    /// administrators: the key policy's administration statement, the deploy identity).
    pub admin: bool,
}

/// The name the account's administrators are evaluated under: any principal of the account
/// whose identity policy allows everything (`dap_model::ADMINISTRATOR`).
pub const ADMINISTRATOR: &str = "(account administrator)";

/// The zones whose objects only the platform's roles reach (the data perimeter): the data
/// lake and the query results.
pub const PERIMETER_ZONES: [Zone; 4] =
    [Zone::Landing, Zone::Raw, Zone::Curated, Zone::AthenaResults];

/// The zones behind a perimeter in this environment: [`PERIMETER_ZONES`], and the assets
/// bucket (the Glue scripts and the report server's programs, code that runs with data
/// access) when the environment names its deploy role, the identity `dap apply` uploads them
/// as. Without one, the uploader is whoever runs `dap`, and no perimeter can name it.
pub fn perimeter_zones(env: &Environment) -> Vec<Zone> {
    let mut zones = PERIMETER_ZONES.to_vec();
    if env.deploy_role.is_some() {
        zones.push(Zone::Assets);
    }
    zones
}

/// The reporting host's role slug.
const REPORTING_HOST: &str = "reporting-host";

/// The keys of the security stack, by logical id.
pub const KEYS: &[&str] = &["DataKey", "LogsKey"];

/// Every role's intended reach into every bucket and key (unlisted pairs are `None`), the
/// reporting host's when it is enabled, and the account's administrators': key and bucket
/// administration, no data in the perimeter zones and no key use.
pub fn intent(env: &Environment) -> Vec<Intended> {
    let names = Names::new(env);
    let mut out = Vec::new();
    let mut push = |role: String, role_id: &'static str, place: Place, (reach, via), admin| {
        out.push(Intended {
            role,
            role_id,
            place,
            reach,
            via,
            admin,
        })
    };
    let bucket_place = |zone: Zone| Place::Bucket {
        zone: zone.slug(),
        name: names.bucket(zone),
    };
    for role in RoleKind::ALL {
        for zone in Zone::ALL {
            let r = bucket(role, zone);
            push(
                names.role(role.slug()),
                role.logical_id(),
                bucket_place(zone),
                r,
                false,
            );
        }
        for key in KEYS {
            let r = key_reach(role, key);
            push(
                names.role(role.slug()),
                role.logical_id(),
                Place::Key { logical_id: key },
                r,
                false,
            );
        }
    }
    if env.reporting_host.enabled {
        for zone in Zone::ALL {
            let r = match zone {
                Zone::Curated => (Reach::Read, Some("Athena")),
                Zone::AthenaResults => (Reach::Write, Some("Athena")),
                // The clean job's quality reports, and its own software.
                Zone::Raw | Zone::Assets => (Reach::Read, None),
                _ => (Reach::None, None),
            };
            push(
                names.role(REPORTING_HOST),
                "ReportingHostRole",
                bucket_place(zone),
                r,
                false,
            );
        }
        for key in KEYS {
            let r = match *key {
                "DataKey" => (Reach::Write, Some("S3")),
                _ => (Reach::None, None),
            };
            push(
                names.role(REPORTING_HOST),
                "ReportingHostRole",
                Place::Key { logical_id: key },
                r,
                false,
            );
        }
    }
    for zone in perimeter_zones(env) {
        push(
            ADMINISTRATOR.to_owned(),
            "",
            bucket_place(zone),
            (Reach::None, None),
            true,
        );
    }
    for key in KEYS {
        push(
            ADMINISTRATOR.to_owned(),
            "",
            Place::Key { logical_id: key },
            (Reach::None, None),
            true,
        );
    }
    out
}

/// The roles (slugs, for `Names::role_arn`) meant to reach a zone's objects: who the
/// bucket's perimeter lets in.
pub fn perimeter(env: &Environment, zone: Zone) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = RoleKind::ALL
        .iter()
        .filter(|r| bucket(**r, zone).0 > Reach::None)
        .map(|r| r.slug())
        .collect();
    if env.reporting_host.enabled
        && matches!(
            zone,
            Zone::Raw | Zone::Curated | Zone::AthenaResults | Zone::Assets
        )
    {
        out.push(REPORTING_HOST);
    }
    out
}

/// The roles (slugs) meant to use a key of the security stack.
pub fn key_users(env: &Environment, key: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = RoleKind::ALL
        .iter()
        .filter(|r| key_reach(**r, key).0 > Reach::None)
        .map(|r| r.slug())
        .collect();
    if env.reporting_host.enabled && key == "DataKey" {
        out.push(REPORTING_HOST);
    }
    out
}

fn bucket(role: RoleKind, zone: Zone) -> (Reach, Option<&'static str>) {
    use RoleKind as R;
    use Zone as Z;
    match (role, zone) {
        (R::GlueClean, Z::Landing) => (Reach::Read, None),
        (R::GlueClean, Z::Raw) => (Reach::Delete, None),
        (R::GlueCurate, Z::Raw) => (Reach::Read, None),
        (R::GlueCurate, Z::Curated) => (Reach::Delete, None),
        // Scripts (read) and each job's temporary prefix (written and cleaned up).
        (R::GlueClean | R::GlueCurate, Z::Assets) => (Reach::Delete, None),
        (R::GlueCrawler, Z::Raw | Z::Curated) => (Reach::Read, None),
        (R::DataEngineer, Z::Landing | Z::Raw) => (Reach::Delete, None),
        (R::DataEngineer, Z::Curated) => (Reach::Read, None),
        (R::Analyst, Z::Curated) => (Reach::Read, Some("Athena")),
        (R::Analyst, Z::AthenaResults) => (Reach::Write, Some("Athena")),
        (R::Auditor, Z::TrailLogs | Z::Assets) => (Reach::Read, None),
        _ => (Reach::None, None),
    }
}

/// The services through which a role (slug) uses a key on its behalf: the key policy lets the
/// role use the key only through them (`kms:ViaService`). S3 encrypts and decrypts objects
/// with the caller's permission, Athena writes query results, Glue encrypts job bookmarks and
/// its logs, CloudWatch Logs reads encrypted log events, EC2 the report server's encrypted
/// disk. Empty for a role that does not use the key.
pub fn key_services(role: &str, key: &str) -> &'static [&'static str] {
    match (role, key) {
        ("data-engineer", "DataKey") => &["s3"],
        ("analyst" | "auditor", "DataKey") => &["athena", "s3"],
        ("auditor", "LogsKey") => &["logs", "s3"],
        ("glue-clean" | "glue-curate" | "glue-crawler", "DataKey") => &["glue", "s3"],
        ("glue-clean" | "glue-curate" | "glue-crawler", "LogsKey") => &["glue", "logs"],
        (REPORTING_HOST, "DataKey") => &["athena", "ec2", "s3"],
        _ => &[],
    }
}

fn key_reach(role: RoleKind, key: &str) -> (Reach, Option<&'static str>) {
    use RoleKind as R;
    match (role, key) {
        (R::GlueClean | R::GlueCurate | R::GlueCrawler, "DataKey") => (Reach::Write, None),
        // People read and write the data's objects; S3 uses the key for them.
        (R::DataEngineer, "DataKey") => (Reach::Write, Some("S3")),
        (R::GlueClean | R::GlueCurate | R::GlueCrawler, "LogsKey") => {
            (Reach::Write, Some("CloudWatch Logs"))
        }
        (R::Analyst | R::Auditor, "DataKey") => (Reach::Write, Some("S3")),
        (R::Auditor, "LogsKey") => (Reach::Write, None),
        _ => (Reach::None, None),
    }
}
