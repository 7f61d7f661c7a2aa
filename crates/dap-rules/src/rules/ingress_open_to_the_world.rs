use std::net::{Ipv4Addr, Ipv6Addr};

use super::prelude::*;

rule! {
    /// Flags a security group that lets a /8 or more of the public internet in.
    ///
    /// ## What it checks
    ///
    /// The `CidrIp` and `CidrIpv6` of every `SecurityGroupIngress` entry of an
    /// `AWS::EC2::SecurityGroup`, and of every `AWS::EC2::SecurityGroupIngress`, are read as
    /// address ranges (a `Ref` to a template parameter is followed to the parameter's
    /// `Default`). The rule flags:
    ///
    /// - an entry whose range covers as much *public* address space as a /8 or more;
    /// - a security group whose ingress ranges together (inline entries and the
    ///   `AWS::EC2::SecurityGroupIngress` resources that name the group, whatever their ports)
    ///   cover that much, such as `44.0.0.0/9` plus `44.128.0.0/9`;
    /// - a `CidrIp` or `CidrIpv6` that is not a CIDR block of its family (`10.0.0/8`,
    ///   `10.0.0.0/33`, an address without `/prefix`, an IPv6 block in `CidrIp`), since the
    ///   rule cannot tell what it lets in.
    ///
    /// Public IPv4 space is everything but `0.0.0.0/8`, `10.0.0.0/8`, `100.64.0.0/10` (carrier
    /// NAT), `127.0.0.0/8`, `169.254.0.0/16`, `172.16.0.0/12`, `192.168.0.0/16` and
    /// `224.0.0.0/3` (multicast and reserved); the limit is 2^24 public addresses, the size of a
    /// /8. So `0.0.0.0/0`, `0.0.0.0/1`, `128.0.0.0/1` and `8.0.0.0/7` are flagged;
    /// `10.0.0.0/8`, `192.168.0.0/16` and `203.0.113.0/24` are not, and `10.0.0.0/7` is (its
    /// upper half, `11.0.0.0/8`, is public).
    ///
    /// Public IPv6 space is the global unicast block `2000::/3`; the limit is as many of its
    /// addresses as a /32 holds (2^96). A /32 is what a regional registry allocates to a whole
    /// provider (an end site gets a /48), so a range of a /32 or more lets in many unrelated
    /// networks, as a /8 does in IPv4. The proportional equivalent of a /8 (1/256 of
    /// `2000::/3`, a /11) would hold entire registries' pools and pass almost anything. So
    /// `::/0`, `2000::/3` and `2001:db8::/32` are flagged, `2001:db8::/33` and `fd00::/8`
    /// (unique local) are not.
    ///
    /// A host address with bits set below the prefix counts as its block (`10.1.2.3/8` is
    /// `10.0.0.0/8`). A range whose value the templates do not give (a parameter without
    /// `Default`, `Fn::ImportValue`) is not judged; neither are prefix lists and source
    /// security groups. Egress is not checked (the report server calls AWS APIs over HTTPS).
    ///
    /// ## Why
    ///
    /// The report server is for the City's networks only (the environment's
    /// `reporting_host.allowed_cidrs`, which refuses `0.0.0.0/0`); administration goes through
    /// SSM, not SSH. Only checking for the literal `0.0.0.0/0` misses the same exposure
    /// written as `0.0.0.0/1` plus `128.0.0.0/1`, or as a large block of someone else's
    /// network. AWS Security Hub EC2.18, EC2.19 and EC2.53, checkov CKV_AWS_24, CKV_AWS_25
    /// and CKV_AWS_260, cdk-nag EC23.
    ///
    /// ## Example
    ///
    /// Failing:
    ///
    /// ```yaml
    /// SecurityGroupIngress:
    ///   - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
    ///   - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 44.0.0.0/9}
    ///   - {IpProtocol: tcp, FromPort: 8443, ToPort: 8443, CidrIp: 44.128.0.0/9}
    /// ```
    ///
    /// Passing:
    ///
    /// ```yaml
    /// SecurityGroupIngress:
    ///   - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.20.0.0/16}
    ///   - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 203.0.113.0/24}
    /// ```
    ///
    /// ## Remediation
    ///
    /// Allow only the networks in `reporting_host.allowed_cidrs`, and write each as a valid
    /// CIDR block.
    ///
    /// ## References
    ///
    /// - AWS Security Hub EC2 controls: <https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html>
    /// - Special-purpose IPv4 addresses (RFC 6890): <https://www.rfc-editor.org/rfc/rfc6890>
    /// - IPv6 global unicast space: <https://www.iana.org/assignments/ipv6-unicast-address-assignments/>
    /// - IPv6 allocation sizes (RIPE-738, /32 minimum allocation, /48 assignment): <https://www.ripe.net/publications/docs/ripe-738>
    IngressOpenToTheWorld {
        code: codes::INGRESS_OPEN_TO_THE_WORLD,
        name: "ingress-open-to-the-world",
        severity: Error,
        fix: "allow ingress only from the environment's allowed CIDRs",
    }
}

/// An address family, with what counts as public and how much of it is too much.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    V4,
    V6,
}

impl Family {
    /// The property holding a range of this family.
    fn property(self) -> &'static str {
        match self {
            Family::V4 => "CidrIp",
            Family::V6 => "CidrIpv6",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }

    /// Address width in bits.
    fn bits(self) -> u32 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    /// The prefix length whose block size is the limit: a /8 in IPv4, a /32 in IPv6.
    fn limit_prefix(self) -> u32 {
        match self {
            Family::V4 => 8,
            Family::V6 => 32,
        }
    }

    /// The number of public addresses a range may cover before it is flagged.
    fn limit(self) -> u128 {
        1u128 << (self.bits() - self.limit_prefix())
    }

    /// The public address space, as sorted, disjoint, inclusive ranges.
    fn public(self) -> Vec<Span> {
        match self {
            Family::V4 => {
                const NOT_PUBLIC: &[&str] = &[
                    "0.0.0.0/8",
                    "10.0.0.0/8",
                    "100.64.0.0/10",
                    "127.0.0.0/8",
                    "169.254.0.0/16",
                    "172.16.0.0/12",
                    "192.168.0.0/16",
                    "224.0.0.0/3",
                ];
                let mut out = Vec::new();
                let mut next = 0u128;
                for block in NOT_PUBLIC {
                    let s = parse(Family::V4, block).expect("a valid block");
                    if s.start > next {
                        out.push(Span {
                            start: next,
                            end: s.start - 1,
                        });
                    }
                    next = next.max(s.end + 1);
                }
                if next <= u128::from(u32::MAX) {
                    out.push(Span {
                        start: next,
                        end: u128::from(u32::MAX),
                    });
                }
                out
            }
            Family::V6 => vec![parse(Family::V6, "2000::/3").expect("a valid block")],
        }
    }
}

/// An inclusive range of addresses, as integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: u128,
    end: u128,
}

/// Parse a CIDR block of a family. Bits set below the prefix are cleared (`10.1.2.3/8` is
/// `10.0.0.0/8`).
fn parse(family: Family, cidr: &str) -> Result<Span, String> {
    let Some((addr, prefix)) = cidr.split_once('/') else {
        return Err("it has no `/prefix`".to_owned());
    };
    let value = match family {
        Family::V4 => addr.parse::<Ipv4Addr>().map(|a| u128::from(u32::from(a))),
        Family::V6 => addr.parse::<Ipv6Addr>().map(u128::from),
    }
    .map_err(|_| format!("`{addr}` is not an {} address", family.name()))?;
    let bits = family.bits();
    let prefix = prefix
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| prefix.parse::<u32>().ok())
        .flatten()
        .filter(|p| *p <= bits)
        .ok_or_else(|| format!("`/{prefix}` is not a prefix length from 0 to {bits}"))?;
    let host = if prefix == 0 {
        u128::MAX >> (128 - bits)
    } else {
        (1u128 << (bits - prefix)) - 1
    };
    let start = value & !host;
    Ok(Span {
        start,
        end: start | host,
    })
}

/// How many public addresses of a family the union of some ranges covers.
fn public_addresses(family: Family, spans: &[Span]) -> u128 {
    let mut sorted = spans.to_vec();
    sorted.sort_by_key(|s| s.start);
    let mut merged: Vec<Span> = Vec::new();
    for s in sorted {
        match merged.last_mut() {
            Some(last) if s.start <= last.end.saturating_add(1) => last.end = last.end.max(s.end),
            _ => merged.push(s),
        }
    }
    let public = family.public();
    merged
        .iter()
        .flat_map(|m| public.iter().map(move |p| (m, p)))
        .filter_map(|(m, p)| {
            let (start, end) = (m.start.max(p.start), m.end.min(p.end));
            (start <= end).then(|| end - start + 1)
        })
        .sum()
}

/// A count of addresses as the prefix length of a block at least that large (`/8`).
fn as_prefix(family: Family, count: u128) -> String {
    let log2 = 127 - count.leading_zeros();
    format!("/{}", family.bits().saturating_sub(log2))
}

/// The text of a range property: a literal, or a `Ref` to a template parameter followed to
/// its `Default` (with where it came from); `Err` with the value when it is not text. `None`
/// when the templates do not say.
fn range_text<'t>(r: &Res<'t>, v: &'t Value) -> Option<(Result<&'t str, String>, String)> {
    match v {
        Value::Null => None,
        Value::String(s) => Some((Ok(s.as_str()), String::new())),
        Value::Object(m) if m.len() == 1 && m.contains_key("Ref") => {
            let name = m["Ref"].as_str()?;
            let default = &r.template.parameter(name)?["Default"];
            let from = format!(" (the default of parameter `{name}`)");
            match default {
                Value::Null => None,
                Value::String(s) => Some((Ok(s.as_str()), from)),
                other => Some((Err(show(other)), from)),
            }
        }
        Value::Object(_) => None,
        other => Some((Err(show(other)), String::new())),
    }
}

/// The ranges one security group lets in, and where to report what they add up to.
struct Group<'s> {
    /// Template index and key (the group's logical id, or the literal `GroupId`/`GroupName`).
    key: (usize, String),
    /// The group's resource, or the first ingress resource naming a group not in the
    /// templates.
    owner: Res<'s>,
    /// (family, range, how it was written)
    ranges: Vec<(Family, Span, String)>,
    /// The families for which a single entry was already flagged.
    flagged: Vec<Family>,
}

/// Which group an ingress entry belongs to: the security group itself, the group a
/// standalone ingress names, or the ingress resource alone.
fn group_key<'s>(r: &Res<'s>) -> (usize, String, Res<'s>) {
    let index = r.template.index;
    if r.ty() == "AWS::EC2::SecurityGroup" {
        return (index, format!("resource {}", r.id), *r);
    }
    let group = r.prop("GroupId");
    if let Some(sg) = ref_id(group)
        .and_then(|id| r.sibling(id))
        .filter(|sg| sg.ty() == "AWS::EC2::SecurityGroup")
    {
        return (index, format!("resource {}", sg.id), sg);
    }
    match text(group).or_else(|| text(r.prop("GroupName"))) {
        Some(name) => (index, format!("group {name}"), *r),
        None => (index, format!("ingress {}", r.id), *r),
    }
}

impl Rule for IngressOpenToTheWorld {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Hit>) {
        let mut groups: Vec<Group<'_>> = Vec::new();
        for r in cx.resources() {
            let rules = match r.ty() {
                "AWS::EC2::SecurityGroup" => items(r.prop("SecurityGroupIngress")),
                "AWS::EC2::SecurityGroupIngress" => vec![r.props()],
                _ => continue,
            };
            let (index, key, owner) = group_key(&r);
            let at = match groups
                .iter()
                .position(|g| g.key.0 == index && g.key.1 == key)
            {
                Some(at) => at,
                None => {
                    groups.push(Group {
                        key: (index, key),
                        owner,
                        ranges: Vec::new(),
                        flagged: Vec::new(),
                    });
                    groups.len() - 1
                }
            };
            for rule in rules {
                let ports = format!(
                    "ingress on `{}` ports {}-{}",
                    show(&rule["IpProtocol"]),
                    show(&rule["FromPort"]),
                    show(&rule["ToPort"])
                );
                for family in [Family::V4, Family::V6] {
                    let property = family.property();
                    let Some((written, from)) = range_text(&r, &rule[property]) else {
                        continue;
                    };
                    let (shown, parsed) = match written {
                        Ok(c) => (c.to_owned(), parse(family, c)),
                        Err(v) => (v, Err("it is not text".to_owned())),
                    };
                    let span = match parsed {
                        Ok(span) => span,
                        Err(why) => {
                            out.push(Hit::on(
                                &r,
                                format!(
                                    "{ports} has `{property}` `{shown}`{from}, which is not an {} \
                                     CIDR block ({why}), so what it lets in is unknown",
                                    family.name()
                                ),
                            ));
                            continue;
                        }
                    };
                    let public = public_addresses(family, &[span]);
                    if public >= family.limit() {
                        out.push(Hit::on(
                            &r,
                            format!(
                                "{ports} is open to `{shown}`{from}, as much public address \
                                 space as a {} (the limit is a /{})",
                                as_prefix(family, public),
                                family.limit_prefix()
                            ),
                        ));
                        groups[at].flagged.push(family);
                    }
                    groups[at].ranges.push((family, span, format!("`{shown}`")));
                }
            }
        }
        for g in &groups {
            for family in [Family::V4, Family::V6] {
                if g.flagged.contains(&family) {
                    continue;
                }
                let (spans, names): (Vec<Span>, Vec<&str>) = g
                    .ranges
                    .iter()
                    .filter(|(f, s, _)| *f == family && public_addresses(family, &[*s]) > 0)
                    .map(|(_, s, n)| (*s, n.as_str()))
                    .unzip();
                let public = public_addresses(family, &spans);
                if public >= family.limit() {
                    out.push(Hit::on(
                        &g.owner,
                        format!(
                            "the group's ingress ranges {} together are open to as much public \
                             address space as a {} (the limit is a /{})",
                            names.join(", "),
                            as_prefix(family, public),
                            family.limit_prefix()
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{Source, Template};

    /// The messages of the rule's findings on a template. `input` is a whole template when it
    /// starts with `Parameters:` or `Resources:`, otherwise the `SecurityGroupIngress` entries
    /// (one flow mapping a line) of one security group.
    fn findings(input: &str) -> Vec<String> {
        let text = if input.starts_with("Parameters:") || input.starts_with("Resources:") {
            input.to_owned()
        } else {
            let entries: String = input
                .lines()
                .map(|l| {
                    format!("        - {{IpProtocol: tcp, FromPort: 443, ToPort: 443, {l}}}\n")
                })
                .collect();
            format!(
                "Resources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n      \
                 GroupDescription: test\n      SecurityGroupIngress:\n{entries}"
            )
        };
        let source = Source {
            stack: "t",
            slug: "t",
            file: "t.yaml",
            text: &text,
        };
        let templates = [Template::parse(0, source).unwrap().unwrap()];
        let cx = Context::new(&templates, None);
        let mut hits = Vec::new();
        IngressOpenToTheWorld.check(&cx, &mut hits);
        hits.iter()
            .map(|h| format!("{}: {}", h.logical_id, h.message))
            .collect()
    }

    /// `expect` lists one fragment per expected finding, in order; empty means no finding.
    fn check(input: &str, expect: &[&str]) {
        let got = findings(input);
        assert_eq!(got.len(), expect.len(), "{input}\n{got:#?}");
        for (g, e) in got.iter().zip(expect) {
            assert!(g.contains(e), "{input}\nexpected `{e}` in `{g}`");
        }
    }

    #[test]
    fn wide_public_ranges_are_flagged() {
        check(
            "CidrIp: 0.0.0.0/0",
            &["open to `0.0.0.0/0`, as much public address space as a /1"],
        );
        check("CidrIp: 0.0.0.0/1", &["open to `0.0.0.0/1`"]);
        check("CidrIp: 128.0.0.0/1", &["open to `128.0.0.0/1`"]);
        check(
            "CidrIp: 8.0.0.0/7",
            &["as much public address space as a /7"],
        );
        check("CidrIp: 44.0.0.0/8", &["as a /8 (the limit is a /8)"]);
        check(
            "CidrIp: 10.0.0.0/7",
            &["`10.0.0.0/7`, as much public address space as a /8"],
        );
        check(
            "CidrIpv6: '::/0'",
            &["open to `::/0`, as much public address space as a /3"],
        );
        check("CidrIpv6: 2000::/3", &["open to `2000::/3`"]);
        check(
            "CidrIpv6: 2001:db8::/32",
            &["as a /32 (the limit is a /32)"],
        );
        check("CidrIpv6: '::/1'", &["open to `::/1`"]);
    }

    #[test]
    fn narrow_or_private_ranges_pass() {
        check("CidrIp: 10.0.0.0/8", &[]);
        check("CidrIp: 203.0.113.0/24", &[]);
        check("CidrIp: 192.168.0.0/16", &[]);
        check("CidrIp: 172.16.0.0/12", &[]);
        check("CidrIp: 100.64.0.0/10", &[]);
        check("CidrIp: 224.0.0.0/3", &[]);
        check("CidrIp: 44.0.0.0/9", &[]);
        check(
            "CidrIp: 10.0.0.0/8\nCidrIp: 172.16.0.0/12\nCidrIp: 192.168.0.0/16",
            &[],
        );
        check("CidrIpv6: 2001:db8::/33", &[]);
        check("CidrIpv6: 'fd00::/8'", &[]);
        check("CidrIpv6: '::/3'", &[]);
        check("CidrIp: 10.20.0.0/16\nCidrIpv6: 2001:db8:1::/48", &[]);
    }

    #[test]
    fn ranges_that_add_up_to_a_slash_8_are_flagged_on_the_group() {
        check(
            "CidrIp: 44.0.0.0/9\nCidrIp: 44.128.0.0/9",
            &["Sg: the group's ingress ranges `44.0.0.0/9`, `44.128.0.0/9` together are open to as much public address space as a /8"],
        );
        // Overlapping ranges count once.
        check("CidrIp: 44.0.0.0/9\nCidrIp: 44.0.0.0/9", &[]);
        // Private ranges do not count, and are not listed.
        check(
            "CidrIp: 10.0.0.0/8\nCidrIp: 44.0.0.0/9\nCidrIp: 45.0.0.0/9",
            &["ranges `44.0.0.0/9`, `45.0.0.0/9` together"],
        );
        check(
            "CidrIpv6: 2001:db8::/33\nCidrIpv6: 2001:db8:8000::/33",
            &["together are open to as much public address space as a /32"],
        );
        // A range flagged alone is not reported again for the group.
        check("CidrIp: 0.0.0.0/0\nCidrIp: 44.0.0.0/9", &["`0.0.0.0/0`"]);
    }

    #[test]
    fn malformed_ranges_are_findings() {
        for (cidr, why) in [
            ("10.0.0/8", "`10.0.0` is not an IPv4 address"),
            ("10.0.0.0/33", "`/33` is not a prefix length from 0 to 32"),
            ("10.0.0.0/-1", "`/-1` is not a prefix length"),
            ("10.0.0.0/+8", "`/+8` is not a prefix length"),
            ("10.0.0.0/", "`/` is not a prefix length"),
            ("10.0.0.1", "it has no `/prefix`"),
            ("010.0.0.0/8", "is not an IPv4 address"),
            ("'::/0'", "`::` is not an IPv4 address"),
            ("anywhere", "it has no `/prefix`"),
            (
                "8",
                "`CidrIp` `8`, which is not an IPv4 CIDR block (it is not text)",
            ),
        ] {
            check(&format!("CidrIp: {cidr}"), &[why]);
        }
        check(
            "CidrIpv6: 0.0.0.0/0",
            &["has `CidrIpv6` `0.0.0.0/0`, which is not an IPv6 CIDR block (`0.0.0.0` is not an IPv6 address), so what it lets in is unknown"],
        );
        check(
            "CidrIpv6: '2001:db8::/129'",
            &["`/129` is not a prefix length from 0 to 128"],
        );
    }

    #[test]
    fn host_bits_count_as_their_block() {
        check("CidrIp: 44.1.2.3/8", &["open to `44.1.2.3/8`"]);
        check("CidrIp: 10.1.2.3/8", &[]);
    }

    #[test]
    fn parameters_are_followed_to_their_default() {
        let template = |default: &str| {
            format!(
                "Parameters:
  Allowed:
    Type: String
{default}
Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: test
      SecurityGroupIngress:
        - {{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: !Ref Allowed}}
"
            )
        };
        check(
            &template("    Default: 0.0.0.0/0"),
            &["open to `0.0.0.0/0` (the default of parameter `Allowed`)"],
        );
        check(&template("    Default: 10.20.0.0/16"), &[]);
        check(
            &template("    Default: 10.20.0/16"),
            &["has `CidrIp` `10.20.0/16` (the default of parameter `Allowed`), which is not an IPv4 CIDR block"],
        );
        // No default: the value is given at deploy time, not judged here.
        check(&template(""), &[]);
    }

    #[test]
    fn standalone_ingress_counts_toward_its_group() {
        let text = "Resources:
  Sg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: test
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 44.0.0.0/9}
  Extra:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !GetAtt Sg.GroupId
      IpProtocol: tcp
      FromPort: 22
      ToPort: 22
      CidrIp: 44.128.0.0/9
  Open:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: sg-0123456789abcdef0
      IpProtocol: tcp
      FromPort: 22
      ToPort: 22
      CidrIpv6: ::/0
  HalfA:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: sg-0a, IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/2}
  HalfB:
    Type: AWS::EC2::SecurityGroupIngress
    Properties: {GroupId: sg-0b, IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 64.0.0.0/9}
";
        check(
            text,
            &[
                "Open: ingress on `tcp` ports 22-22 is open to `::/0`",
                "HalfA: ingress on `tcp` ports 22-22 is open to `0.0.0.0/2`",
                "Sg: the group's ingress ranges `44.0.0.0/9`, `44.128.0.0/9` together",
            ],
        );
    }

    #[test]
    fn the_public_space_and_its_limits() {
        let public = Family::V4.public();
        let total: u128 = public.iter().map(|s| s.end - s.start + 1).sum();
        // 2^32 less 0/8, 10/8, 127/8 (3 * 2^24), 100.64/10 (2^22), 169.254/16 and
        // 192.168/16 (2 * 2^16), 172.16/12 (2^20) and 224/3 (2^29).
        let excluded = 3 * (1u128 << 24) + (1 << 22) + 2 * (1 << 16) + (1 << 20) + (1 << 29);
        assert_eq!(total, (1u128 << 32) - excluded);
        assert_eq!(Family::V4.limit(), 1 << 24);
        assert_eq!(Family::V6.limit(), 1 << 96);
        assert_eq!(
            public_addresses(Family::V6, &[parse(Family::V6, "::/0").unwrap()]),
            1 << 125
        );
        assert_eq!(as_prefix(Family::V4, 1 << 24), "/8");
        assert_eq!(as_prefix(Family::V4, (1 << 25) - 1), "/8");
    }
}
