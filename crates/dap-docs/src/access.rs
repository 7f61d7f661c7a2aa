//! The access matrix: every principal × every data location, with the access level that the
//! generated policies give, computed by evaluating them ([`crate::eval`]).

use dap_planner::names::Zone;
use serde::Serialize;
use serde_yaml::Value;

use crate::eval::{Context, Evaluator, Outcome, Request, Scope, Target, Who};
use crate::platform::{Platform, Resource};
use crate::policy::{Policies, PolicyKind, PrincipalPattern};

/// An access level, from none to admin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No access.
    None,
    /// List names (objects under a prefix, tables, query executions).
    List,
    /// Read content or metadata (objects, table definitions, query results, log events).
    Read,
    /// Create or change content (objects, partitions, queries, log events; on a key: encrypt).
    Write,
    /// Decrypt with a KMS key.
    Decrypt,
    /// Change or delete the resource itself, or its policy.
    Admin,
}

impl Level {
    /// The level's name.
    pub fn label(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::List => "list",
            Level::Read => "read",
            Level::Write => "write",
            Level::Decrypt => "decrypt",
            Level::Admin => "admin",
        }
    }
}

/// What kind of principal a row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    /// An IAM role the templates declare.
    Role,
    /// A principal allowed to assume one of those roles.
    Assumer,
    /// A service principal named in a resource policy or trusted by a role.
    Service,
    /// The account's administrators: any IAM principal of the account whose identity policy
    /// allows everything, as far as the resource policies let IAM decide (key policies that
    /// delegate to the account, bucket policies that do not deny).
    Account,
}

/// One row of the matrix.
#[derive(Clone, Debug, Serialize)]
pub struct Principal {
    /// A stable id: the role name without the environment prefix (`analyst`), an assumer's
    /// ARN, `service:<name>`, or `account-root`.
    pub id: String,
    /// How the report shows it.
    pub label: String,
    /// Its kind.
    pub kind: PrincipalKind,
    /// Its ARN or service name.
    pub arn: String,
    /// Where it comes from (`access/AnalystRole`, a trust policy, a key policy).
    pub defined_in: String,
    /// What it is for (a role's description).
    pub description: String,
    /// For roles: who may assume them, from their trust policies.
    pub assumed_by: Vec<String>,
    /// For assumers: the ids of the roles they may assume.
    pub assumes: Vec<String>,
    /// The trust statements behind `assumed_by` or `assumes`.
    pub trust: Vec<usize>,
}

/// What a location is, for evaluating requests on it.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LocationKind {
    /// Objects under a prefix of a bucket (`prefix` empty for the whole bucket).
    S3 {
        /// The bucket name.
        bucket: String,
        /// The key prefix.
        prefix: String,
        /// The bucket's default KMS key, when SSE-KMS.
        key: Option<String>,
    },
    /// A Glue database.
    GlueDatabase {
        /// The catalog's ARN.
        catalog: String,
        /// The database's ARN.
        database: String,
    },
    /// A Glue table.
    GlueTable {
        /// The catalog's ARN.
        catalog: String,
        /// The database's ARN.
        database: String,
        /// The table's ARN.
        table: String,
    },
    /// An Athena workgroup.
    Workgroup {
        /// Its ARN.
        arn: String,
    },
    /// A KMS key.
    Key {
        /// Its (stand-in) ARN.
        arn: String,
    },
    /// A CloudWatch Logs group.
    LogGroup {
        /// Its ARN (`...:log-group:<name>`).
        arn: String,
    },
}

/// One column of the matrix.
#[derive(Clone, Debug, Serialize)]
pub struct Location {
    /// A stable id, the same in every environment: `s3:landing`,
    /// `s3:landing/business-licences/year=2023/`, `glue:table/business-licences/licences`,
    /// `athena:workgroup/analytics`, `kms:data`, `logs:/<prefix>/cloudtrail`.
    pub id: String,
    /// The group it is shown in (`landing`, `raw`, ..., `catalog`, `query-keys-logs`).
    pub group: String,
    /// The column header.
    pub label: String,
    /// Its full name (`s3://bucket/prefix`, an ARN, a key alias).
    pub name: String,
    /// What it is.
    pub kind: LocationKind,
}

/// One allowed level of a cell and the statements behind it.
#[derive(Clone, Debug, Serialize)]
pub struct Grant {
    /// The level.
    pub level: Level,
    /// Whether it covers only part of the location.
    pub partial: bool,
    /// How the requests must be made.
    pub qualifiers: Vec<String>,
    /// The statements that allow it.
    pub statements: Vec<usize>,
}

/// One cell: the highest level and every allowed level with its statements.
#[derive(Clone, Debug, Serialize)]
pub struct Cell {
    /// The highest allowed level.
    pub level: Level,
    /// Whether that level covers only part of the location.
    pub partial: bool,
    /// How the requests of that level must be made ("via Athena").
    pub qualifiers: Vec<String>,
    /// Every allowed level, highest first.
    pub grants: Vec<Grant>,
    /// For assumers: the roles the access comes from.
    pub through: Vec<String>,
}

impl Cell {
    /// Drop statement indexes at or past `len` (the administrator's stand-in policy, which is
    /// not one of the platform's statements).
    fn forget_statements_from(&mut self, len: usize) {
        for g in &mut self.grants {
            g.statements.retain(|i| *i < len);
        }
    }

    fn none() -> Cell {
        Cell {
            level: Level::None,
            partial: false,
            qualifiers: Vec::new(),
            grants: Vec::new(),
            through: Vec::new(),
        }
    }

    /// The cell as the report shows it: `read (part; via Athena)`.
    pub fn text(&self) -> String {
        let mut notes = Vec::new();
        if self.partial {
            notes.push("part".to_owned());
        }
        notes.extend(self.qualifiers.iter().cloned());
        if notes.is_empty() {
            self.level.label().to_owned()
        } else {
            format!("{} ({})", self.level.label(), notes.join("; "))
        }
    }
}

/// The access matrix of one environment.
#[derive(Clone, Debug, Serialize)]
pub struct AccessMatrix {
    /// The rows.
    pub principals: Vec<Principal>,
    /// The columns.
    pub locations: Vec<Location>,
    /// `cells[principal][location]`.
    pub cells: Vec<Vec<Cell>>,
    /// Bucket locations some principal may still reach without TLS: `(principal, location)`.
    pub without_tls: Vec<(String, String)>,
}

impl AccessMatrix {
    /// The cell of a principal (by id) and a location (by id).
    pub fn cell(&self, principal: &str, location: &str) -> Option<&Cell> {
        let p = self.principals.iter().position(|x| x.id == principal)?;
        let l = self.locations.iter().position(|x| x.id == location)?;
        Some(&self.cells[p][l])
    }

    /// The level of a cell; `None` (the level) for unknown ids too.
    pub fn level(&self, principal: &str, location: &str) -> Level {
        self.cell(principal, location)
            .map_or(Level::None, |c| c.level)
    }

    /// A principal's row, with each location.
    pub fn row(&self, principal: &str) -> Vec<(&Location, &Cell)> {
        match self.principals.iter().position(|x| x.id == principal) {
            Some(p) => self.locations.iter().zip(&self.cells[p]).collect(),
            None => Vec::new(),
        }
    }
}

/// Compute the matrix.
pub fn matrix(p: &Platform, policies: &Policies) -> AccessMatrix {
    let eval = Evaluator::new(policies, p.account(), p.partition());
    // The account's administrators: a principal of the account whose identity policy allows
    // every action on every resource. What the resource policies leave to IAM, they reach.
    let admin_policies = policies.with_administrator();
    let admin_eval = Evaluator::new(&admin_policies, p.account(), p.partition());
    let locations = locations(p);
    let principals = principals(p, policies, &eval);
    let mut cells: Vec<Vec<Cell>> = Vec::new();
    let mut without_tls = Vec::new();
    for pr in &principals {
        let mut row = Vec::new();
        for loc in &locations {
            let cell = match pr.kind {
                PrincipalKind::Assumer => Cell::none(),
                PrincipalKind::Account => {
                    let mut c = evaluate(p, &admin_eval, pr, loc, Context::default());
                    c.forget_statements_from(policies.statements.len());
                    if c.level > Level::None {
                        c.qualifiers.insert(0, "through IAM delegation".to_owned());
                    }
                    c
                }
                _ => evaluate(p, &eval, pr, loc, Context::default()),
            };
            if matches!(loc.kind, LocationKind::S3 { .. }) && cell.level > Level::None {
                let insecure = evaluate(
                    p,
                    &eval,
                    pr,
                    loc,
                    Context {
                        secure_transport: false,
                    },
                );
                if insecure.level > Level::None {
                    without_tls.push((pr.id.clone(), loc.id.clone()));
                }
            }
            row.push(cell);
        }
        cells.push(row);
    }
    // Assumers get the union of the roles they may assume; services get it too, beside
    // what resource policies grant them directly.
    for (i, pr) in principals.iter().enumerate() {
        let through_roles = match pr.kind {
            PrincipalKind::Assumer => true,
            PrincipalKind::Service => !pr.assumes.is_empty(),
            _ => false,
        };
        if !through_roles {
            continue;
        }
        let direct = cells[i].clone();
        let row: Vec<Cell> = (0..locations.len())
            .map(|l| {
                let mut best = Cell::none();
                let mut through = Vec::new();
                for role in &pr.assumes {
                    let Some(r) = principals.iter().position(|x| &x.id == role) else {
                        continue;
                    };
                    let c = &cells[r][l];
                    if c.level == Level::None {
                        continue;
                    }
                    through.push(role.clone());
                    if (c.level, !c.partial) > (best.level, !best.partial) {
                        best = c.clone();
                    }
                }
                best.through = through;
                // A service's own grants (a bucket policy naming it) count when higher.
                match direct.get(l) {
                    Some(d)
                        if (d.level, !d.partial) >= (best.level, !best.partial)
                            && d.level > Level::None =>
                    {
                        d.clone()
                    }
                    _ => best,
                }
            })
            .collect();
        cells[i] = row;
    }
    AccessMatrix {
        principals,
        locations,
        cells,
        without_tls,
    }
}

fn who<'a>(pr: &'a Principal) -> Who<'a> {
    match pr.kind {
        PrincipalKind::Role | PrincipalKind::Assumer => Who::Role {
            name: pr.arn.rsplit('/').next().unwrap_or(&pr.arn),
            arn: &pr.arn,
        },
        PrincipalKind::Service => Who::Service(&pr.arn),
        PrincipalKind::Account => Who::Role {
            name: ADMINISTRATOR,
            arn: &pr.arn,
        },
    }
}

use dap_model::ADMINISTRATOR;

fn checks(loc: &Location, p: &Platform) -> Vec<(Level, Request)> {
    let req = |action: &str, resources: Vec<Target>, rp: Option<(PolicyKind, String)>| Request {
        action: action.to_owned(),
        resources,
        resource_policy: rp,
        s3_prefix: None,
    };
    match &loc.kind {
        LocationKind::S3 { bucket, prefix, .. } => {
            let arn = format!("arn:{}:s3:::{bucket}", p.partition());
            let objects = Target::under(format!("{arn}/{prefix}"));
            let rp = Some((PolicyKind::Bucket, bucket.clone()));
            let mut list = req("s3:ListBucket", vec![Target::one(&arn)], rp.clone());
            list.s3_prefix = Some(Target::under(prefix.clone()));
            vec![
                (
                    Level::Admin,
                    req("s3:PutBucketPolicy", vec![Target::one(&arn)], rp.clone()),
                ),
                (
                    Level::Write,
                    req("s3:PutObject", vec![objects.clone()], rp.clone()),
                ),
                (Level::Read, req("s3:GetObject", vec![objects], rp)),
                (Level::List, list),
            ]
        }
        LocationKind::Key { arn } => {
            let rp = Some((PolicyKind::Key, arn.clone()));
            let t = || vec![Target::one(arn)];
            vec![
                (Level::Admin, req("kms:PutKeyPolicy", t(), rp.clone())),
                (Level::Decrypt, req("kms:Decrypt", t(), rp.clone())),
                (Level::Write, req("kms:GenerateDataKey", t(), rp.clone())),
                (Level::Read, req("kms:DescribeKey", t(), rp)),
            ]
        }
        LocationKind::GlueDatabase { catalog, database } => {
            let t = || vec![Target::one(catalog), Target::one(database)];
            vec![
                (Level::Admin, req("glue:DeleteDatabase", t(), None)),
                (Level::Write, req("glue:CreateTable", t(), None)),
                (Level::Read, req("glue:GetDatabase", t(), None)),
                (Level::List, req("glue:GetTables", t(), None)),
            ]
        }
        LocationKind::GlueTable {
            catalog,
            database,
            table,
        } => {
            let t = || {
                vec![
                    Target::one(catalog),
                    Target::one(database),
                    Target::one(table),
                ]
            };
            vec![
                (Level::Admin, req("glue:DeleteTable", t(), None)),
                (Level::Write, req("glue:BatchCreatePartition", t(), None)),
                (Level::Read, req("glue:GetTable", t(), None)),
                (Level::List, req("glue:GetPartitions", t(), None)),
            ]
        }
        LocationKind::Workgroup { arn } => {
            let t = || vec![Target::one(arn)];
            vec![
                (Level::Admin, req("athena:DeleteWorkGroup", t(), None)),
                (Level::Write, req("athena:StartQueryExecution", t(), None)),
                (Level::Read, req("athena:GetQueryResults", t(), None)),
                (Level::List, req("athena:ListQueryExecutions", t(), None)),
            ]
        }
        LocationKind::LogGroup { arn } => {
            let group = || vec![Target::one(format!("{arn}:*"))];
            vec![
                (Level::Admin, req("logs:DeleteLogGroup", group(), None)),
                (
                    Level::Write,
                    req(
                        "logs:PutLogEvents",
                        vec![Target::under(format!("{arn}:log-stream:"))],
                        None,
                    ),
                ),
                (Level::Read, req("logs:FilterLogEvents", group(), None)),
                (Level::List, req("logs:DescribeLogStreams", group(), None)),
            ]
        }
    }
}

fn evaluate(
    p: &Platform,
    eval: &Evaluator<'_>,
    pr: &Principal,
    loc: &Location,
    ctx: Context,
) -> Cell {
    let w = who(pr);
    let mut grants = Vec::new();
    for (level, req) in checks(loc, p) {
        let all = eval.decide(w, &req, Scope::All, ctx);
        let (outcome, partial): (Outcome, bool) = if all.allowed {
            (all, false)
        } else {
            let some = eval.decide(w, &req, Scope::Some, ctx);
            if !some.allowed {
                continue;
            }
            (some, true)
        };
        let mut g = Grant {
            level,
            partial,
            qualifiers: outcome.qualifiers,
            statements: outcome.grants,
        };
        // Objects are encrypted with the bucket's key: reading or writing them needs the key too.
        if let LocationKind::S3 { key: Some(key), .. } = &loc.kind {
            let action = match level {
                Level::Read => Some("kms:Decrypt"),
                Level::Write => Some("kms:GenerateDataKey"),
                _ => None,
            };
            if let Some(action) = action {
                let k = eval.decide(
                    w,
                    &Request {
                        action: action.to_owned(),
                        resources: vec![Target::one(key)],
                        resource_policy: Some((PolicyKind::Key, key.clone())),
                        s3_prefix: None,
                    },
                    Scope::All,
                    ctx,
                );
                if k.allowed {
                    g.statements.extend(k.grants);
                    g.statements.sort_unstable();
                    g.statements.dedup();
                } else {
                    g.qualifiers.push(format!("no {action} on the bucket key"));
                }
            }
        }
        grants.push(g);
    }
    match grants.first() {
        Some(top) => Cell {
            level: top.level,
            partial: top.partial,
            qualifiers: top.qualifiers.clone(),
            grants: grants.clone(),
            through: Vec::new(),
        },
        None => Cell::none(),
    }
}

/// Every data location of the platform, grouped.
pub fn locations(p: &Platform) -> Vec<Location> {
    let mut out = Vec::new();
    for b in p.of_type("AWS::S3::Bucket") {
        out.extend(bucket_locations(p, b));
    }
    for db in p.of_type("AWS::Glue::Database") {
        out.extend(catalog_locations(p, db));
    }
    out.extend(query_key_log_locations(p));
    out
}

/// A bucket as a whole, then each of its prefixes worth a column; none for a bucket without
/// a name.
fn bucket_locations(p: &Platform, b: &Resource) -> Vec<Location> {
    let mut out = Vec::new();
    let account = p.account();
    let Some(bucket) = b.prop(&["BucketName"]).and_then(|v| p.resolve(&b.stack, v)) else {
        return out;
    };
    let zone = Zone::ALL
        .into_iter()
        .find(|z| p.names.bucket(*z) == bucket)
        .map(|z| z.slug().to_owned())
        .unwrap_or_else(|| bucket.clone());
    let key = b
        .prop(&["BucketEncryption", "ServerSideEncryptionConfiguration"])
        .and_then(Value::as_sequence)
        .and_then(|rules| rules.first())
        .and_then(|r| r.get("ServerSideEncryptionByDefault"))
        .filter(|d| d.get("SSEAlgorithm").and_then(Value::as_str) == Some("aws:kms"))
        .and_then(|d| d.get("KMSMasterKeyID"))
        .and_then(|v| p.resolve(&b.stack, v));
    let location = |prefix: &str, label: &str| Location {
        id: if prefix.is_empty() {
            format!("s3:{zone}")
        } else {
            format!("s3:{zone}/{}", prefix.replace(account, "<account>"))
        },
        group: zone.clone(),
        label: label.to_owned(),
        name: format!("s3://{bucket}/{prefix}"),
        kind: LocationKind::S3 {
            bucket: bucket.clone(),
            prefix: prefix.to_owned(),
            key: key.clone(),
        },
    };
    out.push(location("", "whole bucket"));
    let mut prefixes = bucket_prefixes(p, &bucket, &zone);
    prefixes.sort();
    prefixes.dedup();
    for prefix in prefixes {
        out.push(location(&prefix, &prefix));
    }
    out
}

/// A Glue database, then each of its tables; none for a database without a name.
fn catalog_locations(p: &Platform, db: &Resource) -> Vec<Location> {
    let mut out = Vec::new();
    let part = p.partition();
    let (region, account) = (p.region(), p.account());
    let catalog = format!("arn:{part}:glue:{region}:{account}:catalog");
    let Some(name) = db.prop_str(&["DatabaseInput", "Name"]) else {
        return out;
    };
    let dataset = dataset_of_database(p, name);
    let database = format!("arn:{part}:glue:{region}:{account}:database/{name}");
    out.push(Location {
        id: format!("glue:database/{dataset}"),
        group: "catalog".to_owned(),
        label: format!("database {name}"),
        name: database.clone(),
        kind: LocationKind::GlueDatabase {
            catalog: catalog.clone(),
            database: database.clone(),
        },
    });
    for t in p.of_type("AWS::Glue::Table") {
        let db_name = t
            .prop(&["DatabaseName"])
            .and_then(|v| p.resolve(&t.stack, v));
        if db_name.as_deref() != Some(name) {
            continue;
        }
        let Some(table) = t.prop_str(&["TableInput", "Name"]) else {
            continue;
        };
        let zone = t
            .prop_str(&["TableInput", "Parameters", "dap:zone"])
            .map(|z| format!(" ({z})"))
            .unwrap_or_default();
        let arn = format!("arn:{part}:glue:{region}:{account}:table/{name}/{table}");
        out.push(Location {
            id: format!("glue:table/{dataset}/{table}"),
            group: "catalog".to_owned(),
            label: format!("{table}{zone}"),
            name: arn.clone(),
            kind: LocationKind::GlueTable {
                catalog: catalog.clone(),
                database: database.clone(),
                table: arn,
            },
        });
    }
    out
}

/// The `query-keys-logs` group: the Athena workgroups, then the keys, then the log groups.
fn query_key_log_locations(p: &Platform) -> Vec<Location> {
    let mut out = Vec::new();
    let part = p.partition();
    let (region, account) = (p.region(), p.account());
    for wg in p.of_type("AWS::Athena::WorkGroup") {
        let Some(name) = wg.prop_str(&["Name"]) else {
            continue;
        };
        let arn = format!("arn:{part}:athena:{region}:{account}:workgroup/{name}");
        out.push(Location {
            id: format!("athena:workgroup/{}", p.short(name)),
            group: "query-keys-logs".to_owned(),
            label: format!("workgroup {name}"),
            name: arn.clone(),
            kind: LocationKind::Workgroup { arn },
        });
    }
    for k in p.of_type("AWS::KMS::Key") {
        let alias = p.key_label(k);
        let short = p.short(alias.trim_start_matches("alias/"));
        out.push(Location {
            id: format!("kms:{short}"),
            group: "query-keys-logs".to_owned(),
            label: format!("key {alias}"),
            name: format!("{} ({})", alias, k.path()),
            kind: LocationKind::Key {
                arn: p.key_arn(&k.id),
            },
        });
    }
    for lg in p.of_type("AWS::Logs::LogGroup") {
        let Some(name) = lg.prop_str(&["LogGroupName"]) else {
            continue;
        };
        out.push(Location {
            id: format!("logs:{}", name.replace(p.env.prefix.as_str(), "<prefix>")),
            group: "query-keys-logs".to_owned(),
            label: format!("log group {name}"),
            name: name.to_owned(),
            kind: LocationKind::LogGroup {
                arn: format!("arn:{part}:logs:{region}:{account}:log-group:{name}"),
            },
        });
    }
    out
}

/// The dataset a Glue database belongs to, or the database's own name.
fn dataset_of_database(p: &Platform, db: &str) -> String {
    p.env
        .datasets
        .keys()
        .find(|d| p.names.database(d) == db)
        .cloned()
        .unwrap_or_else(|| db.to_owned())
}

/// The key prefixes of a bucket worth a column: datasets, years, tables and their year
/// partitions, the prefixes jobs, the workgroup and the trail use.
fn bucket_prefixes(p: &Platform, bucket: &str, zone: &str) -> Vec<String> {
    let mut out = Vec::new();
    let years: Vec<u16> = p
        .env
        .datasets
        .values()
        .flat_map(|d| d.years.clone())
        .collect();
    if matches!(zone, "landing" | "raw" | "curated") {
        for (dataset, ds) in &p.env.datasets {
            out.push(format!("{dataset}/"));
            if zone == "landing" {
                for y in &ds.years {
                    out.push(format!("{dataset}/year={y}/"));
                }
            }
        }
    }
    let uri = format!("s3://{bucket}/");
    let mut in_bucket = |s: &str| {
        s.strip_prefix(&uri)
            .filter(|rest| !rest.is_empty())
            .map(str::to_owned)
    };
    for t in p.of_type("AWS::Glue::Table") {
        let Some(loc) = t.prop_str(&["TableInput", "StorageDescriptor", "Location"]) else {
            continue;
        };
        if let Some(prefix) = in_bucket(loc) {
            let by_year = t
                .prop(&["TableInput", "PartitionKeys"])
                .and_then(Value::as_sequence)
                .is_some_and(|keys| {
                    keys.iter()
                        .any(|k| k.get("Name").and_then(Value::as_str) == Some("year"))
                });
            if by_year {
                for y in &years {
                    out.push(format!("{prefix}year={y}/"));
                }
            }
            out.push(prefix);
        }
    }
    for j in p.of_type("AWS::Glue::Job") {
        if let Some(Value::Mapping(args)) = j.prop(&["DefaultArguments"]) {
            for v in args.values().filter_map(Value::as_str) {
                if let Some(prefix) = in_bucket(v) {
                    out.push(prefix);
                }
            }
        }
        if let Some(script) = j.prop_str(&["Command", "ScriptLocation"]) {
            if let Some(prefix) = in_bucket(script) {
                if let Some((dir, _)) = prefix.rsplit_once('/') {
                    out.push(format!("{dir}/"));
                }
            }
        }
    }
    for wg in p.of_type("AWS::Athena::WorkGroup") {
        let out_loc = wg.prop_str(&[
            "WorkGroupConfiguration",
            "ResultConfiguration",
            "OutputLocation",
        ]);
        if let Some(prefix) = out_loc.and_then(&mut in_bucket) {
            out.push(prefix);
        }
    }
    for trail in p.of_type("AWS::CloudTrail::Trail") {
        let target = trail
            .prop(&["S3BucketName"])
            .and_then(|v| p.resolve(&trail.stack, v));
        if target.as_deref() == Some(bucket) {
            let key_prefix = trail
                .prop_str(&["S3KeyPrefix"])
                .map(|k| format!("{k}/"))
                .unwrap_or_default();
            out.push(format!("{key_prefix}AWSLogs/{}/", p.account()));
        }
    }
    out
}

/// Every principal: the roles, who may assume them, and the services and account named in
/// resource policies.
fn principals(p: &Platform, policies: &Policies, eval: &Evaluator<'_>) -> Vec<Principal> {
    let root = format!("arn:{}:iam::{}:root", p.partition(), p.account());
    let (mut out, trusted_aws) = role_principals(p, policies);
    let roles: Vec<Principal> = out.clone();
    for a in assumers(p, &trusted_aws) {
        out.push(assumer_principal(p, eval, &roles, a, &root));
    }
    let (services, root_named) = named_services(p, policies, &root);
    for (name, first) in services {
        out.push(service_principal(eval, &roles, name, first));
    }
    out.push(account_principal(root, root_named));
    out
}

/// The roles, each with who its trust policy names, and every AWS principal those trust
/// policies name, in first-seen order.
fn role_principals(p: &Platform, policies: &Policies) -> (Vec<Principal>, Vec<String>) {
    let mut out: Vec<Principal> = Vec::new();
    let part = p.partition();
    let mut trusted_aws: Vec<String> = Vec::new();
    for r in p.of_type("AWS::IAM::Role") {
        let Some(name) = r.prop(&["RoleName"]).and_then(|v| p.resolve(&r.stack, v)) else {
            continue;
        };
        let mut assumed_by = Vec::new();
        let mut trust = Vec::new();
        for s in policies
            .attached(PolicyKind::Trust, &name)
            .filter(|s| s.allow)
        {
            trust.push(s.index);
            for pp in &s.principals {
                match pp {
                    PrincipalPattern::Service(x) => assumed_by.push(x.clone()),
                    PrincipalPattern::Aws(a) => {
                        assumed_by.push(a.clone());
                        if !trusted_aws.contains(a) {
                            trusted_aws.push(a.clone());
                        }
                    }
                    PrincipalPattern::Federated(f) => assumed_by.push(f.clone()),
                    PrincipalPattern::Any | PrincipalPattern::Unknown => {
                        assumed_by.push("*".to_owned())
                    }
                }
            }
        }
        out.push(Principal {
            id: p.short(&name),
            label: p.short(&name),
            kind: PrincipalKind::Role,
            arn: format!("arn:{part}:iam::{}:role/{name}", p.account()),
            defined_in: r.path(),
            description: r.prop_str(&["Description"]).unwrap_or_default().to_owned(),
            assumed_by,
            assumes: Vec::new(),
            trust,
        });
    }
    (out, trusted_aws)
}

/// Who may assume the roles: the environment's principals first, then any other AWS
/// principal a trust policy names; each once.
fn assumers(p: &Platform, trusted_aws: &[String]) -> Vec<String> {
    let pr = &p.env.principals;
    let mut assumers: Vec<String> = Vec::new();
    for a in pr
        .data_engineer
        .iter()
        .chain(&pr.analyst)
        .chain(&pr.auditor)
        .chain(trusted_aws)
    {
        if !assumers.contains(a) {
            assumers.push(a.clone());
        }
    }
    assumers
}

/// The roles `who` may assume (their ids) and the trust statements that allow it.
fn assumable(eval: &Evaluator<'_>, who: Who<'_>, roles: &[Principal]) -> (Vec<String>, Vec<usize>) {
    let mut assumes = Vec::new();
    let mut trust = Vec::new();
    for role in roles {
        let req = Request {
            action: "sts:AssumeRole".to_owned(),
            resources: vec![Target::one(&role.arn)],
            resource_policy: Some((
                PolicyKind::Trust,
                role.arn.rsplit('/').next().unwrap_or_default().to_owned(),
            )),
            s3_prefix: None,
        };
        let o = eval.decide(who, &req, Scope::All, Context::default());
        if o.allowed {
            assumes.push(role.id.clone());
            trust.extend(o.grants);
        }
    }
    (assumes, trust)
}

/// One principal outside the platform that may assume roles, with the roles it assumes.
fn assumer_principal(
    p: &Platform,
    eval: &Evaluator<'_>,
    roles: &[Principal],
    a: String,
    root: &str,
) -> Principal {
    let name = a.rsplit('/').next().unwrap_or(&a).to_owned();
    let who = if a == root {
        Who::Root(&a)
    } else {
        Who::Role {
            name: &name,
            arn: &a,
        }
    };
    let (assumes, trust) = assumable(eval, who, roles);
    let short = a.rsplit('/').next().unwrap_or(&a).to_owned();
    let label = if assumes.is_empty() {
        short
    } else {
        format!("{short} (assumes {})", assumes.join(", "))
    };
    Principal {
        id: a.clone(),
        label,
        kind: PrincipalKind::Assumer,
        arn: a.clone(),
        defined_in: format!("environments/{}.yaml: principals", p.env.name),
        description: String::new(),
        assumed_by: Vec::new(),
        assumes,
        trust,
    }
}

/// Services and the account, as resource policies name them, and the services that roles
/// trust (they reach what those roles reach): each service with the first statement naming
/// it, and the first statement naming the account.
fn named_services(
    p: &Platform,
    policies: &Policies,
    root: &str,
) -> (Vec<(String, String)>, Option<String>) {
    let mut services: Vec<(String, String)> = Vec::new();
    let mut root_named = None;
    for s in policies
        .statements
        .iter()
        .filter(|s| s.allow && s.kind == PolicyKind::Trust)
    {
        for pp in &s.principals {
            if let PrincipalPattern::Service(x) = pp {
                if !services.iter().any(|(n, _)| n == x) {
                    services.push((x.clone(), s.cite()));
                }
            }
        }
    }
    for s in policies
        .statements
        .iter()
        .filter(|s| s.allow && s.kind.is_resource_policy())
    {
        for pp in &s.principals {
            match pp {
                PrincipalPattern::Service(x) if !services.iter().any(|(n, _)| n == x) => {
                    services.push((x.clone(), s.cite()));
                }
                PrincipalPattern::Aws(a)
                    if (a == root || a == p.account()) && root_named.is_none() =>
                {
                    root_named = Some(s.cite());
                }
                _ => {}
            }
        }
    }
    (services, root_named)
}

/// One service principal, with the roles it may assume.
fn service_principal(
    eval: &Evaluator<'_>,
    roles: &[Principal],
    name: String,
    first: String,
) -> Principal {
    let (assumes, trust) = assumable(eval, Who::Service(&name), roles);
    let label = if assumes.is_empty() {
        name.clone()
    } else {
        format!("{name} (as {})", assumes.join(", "))
    };
    Principal {
        id: format!("service:{name}"),
        label,
        kind: PrincipalKind::Service,
        arn: name,
        defined_in: first,
        description: String::new(),
        assumed_by: Vec::new(),
        assumes,
        trust,
    }
}

/// The account's administrators, reaching through IAM what resource policies leave to it.
fn account_principal(root: String, root_named: Option<String>) -> Principal {
    Principal {
        id: "account-root".to_owned(),
        label: "account administrators (through IAM)".to_owned(),
        kind: PrincipalKind::Account,
        arn: root,
        defined_in: root_named.unwrap_or_else(|| "the account".to_owned()),
        description: "any principal of the account whose identity policy allows everything \
                      (AdministratorAccess, PowerUserAccess): what the bucket and key policies \
                      leave to IAM, it reaches"
            .to_owned(),
        assumed_by: Vec::new(),
        assumes: Vec::new(),
        trust: Vec::new(),
    }
}
