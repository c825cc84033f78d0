//! The catalogue of meeting services: which links are join links, for which service.
//!
//! The built-in services are data (`data/meeting-services.txt`, compiled in and parsed
//! by [`Catalogue::builtin`]), not code branches: adding a service means adding a
//! block there. Users can add their own patterns at runtime
//! ([`Catalogue::with_user_patterns`]).
//!
//! Invariants:
//! - every URL pattern of every service sits in one [`RegexSet`], compiled once per
//!   catalogue, so classifying a link is one pass whatever the number of services;
//! - when several services match a link, the earliest in catalogue order wins
//!   (built-ins in file order, then user patterns in the order given);
//! - the scheme allow-list is `http`, `https` and the app schemes the built-in data
//!   declares; user patterns can never widen it, and a declared scheme that can run
//!   code or read local data (`javascript`, `file`, `data`, …) is refused at parse.

use std::fmt;

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

use super::details::LabelPatterns;

/// The built-in service data.
const BUILTIN_DATA: &str = include_str!("../../data/meeting-services.txt");

/// Compiled size bound per pattern, so a hostile user pattern cannot make the
/// catalogue huge (the `regex` crate's own default is 10 MB per regex).
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// Schemes a catalogue may never allow, whatever its data says: following such a
/// link runs code or reads local data instead of opening a meeting.
const FORBIDDEN_SCHEMES: &[&str] = &[
    "javascript",
    "vbscript",
    "file",
    "data",
    "blob",
    "about",
    "filesystem",
    "jar",
    "view-source",
    "ms-msdt",
    "search-ms",
];

/// A user-defined meeting pattern, e.g. a company's self-hosted video server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPattern {
    /// Shown as the service name of links it matches.
    pub name: String,
    /// A regular expression matched (case-insensitively) against candidate links.
    pub pattern: String,
}

/// Why a catalogue (built-in data or user patterns) could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueError {
    /// A line of catalogue data that cannot be read.
    Syntax { line: usize, message: String },
    /// A regular expression that does not compile; names the service and the pattern.
    BadPattern {
        service: String,
        pattern: String,
        reason: String,
    },
    /// A service block without a required field, or with a field twice.
    Service { service: String, message: String },
}

impl fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CatalogueError::Syntax { line, message } => {
                write!(f, "meeting catalogue line {line}: {message}")
            }
            CatalogueError::BadPattern {
                service,
                pattern,
                reason,
            } => write!(
                f,
                "meeting pattern {pattern:?} of {service:?} is not a valid regular expression: {reason}"
            ),
            CatalogueError::Service { service, message } => {
                write!(f, "meeting service {service:?}: {message}")
            }
        }
    }
}

impl std::error::Error for CatalogueError {}

/// One meeting service.
#[derive(Debug, Clone)]
pub struct Service {
    /// Stable id (`zoom`, `teams`, …); user patterns get `custom:<name>`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The URL patterns as written.
    pub patterns: Vec<String>,
    /// App schemes (besides http/https) this service's links use.
    pub app_schemes: Vec<String>,
    /// True for a pattern added by the user.
    pub user_defined: bool,
    pub(crate) meeting_id: Option<Regex>,
    pub(crate) passcode_param: Option<String>,
    pub(crate) excludes: Vec<Regex>,
}

/// A compiled catalogue. Build it once (at startup) and share it: detection only
/// reads it.
#[derive(Debug, Clone)]
pub struct Catalogue {
    services: Vec<Service>,
    /// Every URL pattern of every service, in catalogue order.
    set: RegexSet,
    /// For each pattern of `set`, the index of its service.
    owner: Vec<usize>,
    /// Lower-case allowed schemes: http, https and the services' app schemes.
    schemes: Vec<String>,
    pub(crate) labels: LabelPatterns,
}

impl Catalogue {
    /// The built-in catalogue (`data/meeting-services.txt`).
    pub fn builtin() -> Result<Catalogue, CatalogueError> {
        Catalogue::from_data(BUILTIN_DATA)
    }

    /// A catalogue from data in the `meeting-services.txt` format (see that file's
    /// header).
    pub fn from_data(data: &str) -> Result<Catalogue, CatalogueError> {
        Catalogue::assemble(parse_data(data)?)
    }

    /// This catalogue plus `patterns`, which come after every built-in service (a
    /// built-in service keeps a link both match). An invalid pattern fails the whole
    /// call with an error naming it.
    pub fn with_user_patterns(
        &self,
        patterns: &[UserPattern],
    ) -> Result<Catalogue, CatalogueError> {
        let mut services: Vec<Service> = self
            .services
            .iter()
            .filter(|s| !s.user_defined)
            .cloned()
            .collect();
        for p in patterns {
            let name = p.name.trim();
            if name.is_empty() {
                return Err(CatalogueError::Service {
                    service: p.pattern.clone(),
                    message: "a user pattern needs a name".into(),
                });
            }
            if p.pattern.trim().is_empty() {
                return Err(CatalogueError::BadPattern {
                    service: name.into(),
                    pattern: p.pattern.clone(),
                    reason: "empty pattern".into(),
                });
            }
            // Compile it alone first so the error names this pattern, not the set.
            compile(name, &p.pattern)?;
            services.push(Service {
                id: format!("custom:{name}"),
                name: name.into(),
                patterns: vec![p.pattern.clone()],
                app_schemes: Vec::new(),
                user_defined: true,
                meeting_id: None,
                passcode_param: None,
                excludes: Vec::new(),
            });
        }
        Catalogue::assemble(services)
    }

    fn assemble(services: Vec<Service>) -> Result<Catalogue, CatalogueError> {
        let mut patterns: Vec<&str> = Vec::new();
        let mut owner = Vec::new();
        let mut schemes: Vec<String> = vec!["https".into(), "http".into()];
        for (i, s) in services.iter().enumerate() {
            for p in &s.patterns {
                patterns.push(p);
                owner.push(i);
            }
            for scheme in &s.app_schemes {
                if !schemes.contains(scheme) {
                    schemes.push(scheme.clone());
                }
            }
        }
        let set = RegexSetBuilder::new(&patterns)
            .case_insensitive(true)
            .size_limit(PATTERN_SIZE_LIMIT * patterns.len().max(1))
            .build()
            .map_err(|e| CatalogueError::BadPattern {
                service: "(catalogue)".into(),
                pattern: "(all patterns together)".into(),
                reason: e.to_string(),
            })?;
        Ok(Catalogue {
            services,
            set,
            owner,
            schemes,
            labels: LabelPatterns::new().map_err(|e| CatalogueError::BadPattern {
                service: "(details labels)".into(),
                pattern: "(built in)".into(),
                reason: e.to_string(),
            })?,
        })
    }

    /// The services, in priority order.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// The service with this id.
    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }

    /// Number of services (built-in and user).
    pub fn len(&self) -> usize {
        self.services.len()
    }

    /// True when the catalogue has no services.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// Whether a link with this scheme may be returned (case-insensitive).
    pub fn scheme_allowed(&self, scheme: &str) -> bool {
        self.schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme))
    }

    /// The allowed schemes, lower-case.
    pub fn allowed_schemes(&self) -> &[String] {
        &self.schemes
    }

    /// The service a normalised link belongs to, if any: the earliest service with a
    /// matching pattern whose exclusions do not match.
    pub fn classify(&self, link: &str) -> Option<&Service> {
        // `matches` yields pattern indices in ascending order, and patterns are laid
        // out in service order, so the first non-excluded hit is the winner.
        self.set
            .matches(link)
            .iter()
            .map(|p| &self.services[self.owner[p]])
            .find(|s| !s.excludes.iter().any(|x| x.is_match(link)))
    }
}

fn compile(service: &str, pattern: &str) -> Result<Regex, CatalogueError> {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .map_err(|e| CatalogueError::BadPattern {
            service: service.into(),
            pattern: pattern.into(),
            reason: e.to_string(),
        })
}

/// A service block being read.
struct Block {
    id: String,
    line: usize,
    name: Option<String>,
    patterns: Vec<String>,
    schemes: Vec<String>,
    meeting_id: Option<Regex>,
    passcode_param: Option<String>,
    excludes: Vec<Regex>,
}

impl Block {
    fn finish(self) -> Result<Service, CatalogueError> {
        let err = |message: &str| CatalogueError::Service {
            service: self.id.clone(),
            message: format!("{message} (block at line {})", self.line),
        };
        let Some(name) = self.name.clone() else {
            return Err(err("missing `name`"));
        };
        if self.patterns.is_empty() {
            return Err(err("missing `url`"));
        }
        Ok(Service {
            id: self.id,
            name,
            patterns: self.patterns,
            app_schemes: self.schemes,
            user_defined: false,
            meeting_id: self.meeting_id,
            passcode_param: self.passcode_param,
            excludes: self.excludes,
        })
    }
}

fn parse_data(data: &str) -> Result<Vec<Service>, CatalogueError> {
    let mut services: Vec<Service> = Vec::new();
    let mut current: Option<Block> = None;
    for (index, raw) in data.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let syntax = |message: String| CatalogueError::Syntax {
            line: line_no,
            message,
        };
        if let Some(header) = line.strip_prefix('[') {
            let Some(id) = header.strip_suffix(']') else {
                return Err(syntax("a block header is `[service-id]`".into()));
            };
            let valid = !id.is_empty()
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !valid {
                return Err(syntax(format!(
                    "service id {id:?}: lower-case letters, digits and dashes only"
                )));
            }
            if services.iter().any(|s| s.id == id) || current.as_ref().is_some_and(|b| b.id == id) {
                return Err(syntax(format!("service id {id:?} appears twice")));
            }
            if let Some(done) = current.take() {
                services.push(done.finish()?);
            }
            current = Some(Block {
                id: id.into(),
                line: line_no,
                name: None,
                patterns: Vec::new(),
                schemes: Vec::new(),
                meeting_id: None,
                passcode_param: None,
                excludes: Vec::new(),
            });
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(syntax("expected `key = value`".into()));
        };
        let (key, value) = (key.trim(), value.trim());
        let Some(block) = current.as_mut() else {
            return Err(syntax(format!("`{key}` before any [service-id] header")));
        };
        if value.is_empty() {
            return Err(syntax(format!("`{key}` has no value")));
        }
        let twice = |what: &str| syntax(format!("`{what}` given twice for {:?}", block.id));
        match key {
            "name" => {
                if block.name.is_some() {
                    return Err(twice("name"));
                }
                block.name = Some(value.into());
            }
            "url" => {
                compile(&block.id, value)?;
                block.patterns.push(value.into());
            }
            "scheme" => {
                let scheme = value.to_ascii_lowercase();
                let shaped = scheme.starts_with(|c: char| c.is_ascii_lowercase())
                    && scheme
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
                if !shaped || FORBIDDEN_SCHEMES.contains(&scheme.as_str()) {
                    return Err(syntax(format!("scheme {value:?} cannot be allowed")));
                }
                block.schemes.push(scheme);
            }
            "meeting-id" => {
                if block.meeting_id.is_some() {
                    return Err(twice("meeting-id"));
                }
                let re = compile(&block.id, value)?;
                if re.captures_len() < 2 {
                    return Err(syntax("`meeting-id` needs a capture group".into()));
                }
                block.meeting_id = Some(re);
            }
            "passcode-param" => {
                if block.passcode_param.is_some() {
                    return Err(twice("passcode-param"));
                }
                block.passcode_param = Some(value.into());
            }
            "exclude" => block.excludes.push(compile(&block.id, value)?),
            other => return Err(syntax(format!("unknown key `{other}`"))),
        }
    }
    if let Some(done) = current.take() {
        services.push(done.finish()?);
    }
    Ok(services)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_compiles_with_at_least_sixty_services() {
        let c = Catalogue::builtin().unwrap();
        assert!(c.len() >= 60, "only {} services", c.len());
        for s in c.services() {
            for p in &s.patterns {
                // Anchoring is what keeps look-alike hosts out (see the data header).
                assert!(
                    p.starts_with('^'),
                    "{}: pattern {p:?} is not anchored",
                    s.id
                );
            }
        }
    }

    #[test]
    fn builtin_schemes_are_http_and_declared_app_schemes() {
        let c = Catalogue::builtin().unwrap();
        for ok in ["https", "HTTP", "zoommtg", "msteams", "discord"] {
            assert!(c.scheme_allowed(ok), "{ok}");
        }
        for bad in [
            "javascript",
            "file",
            "data",
            "vbscript",
            "tel",
            "mailto",
            "ftp",
        ] {
            assert!(!c.scheme_allowed(bad), "{bad}");
        }
    }

    #[test]
    fn data_cannot_allow_a_dangerous_scheme() {
        let data = "[evil]\nname = Evil\nurl = ^javascript:.*\nscheme = JavaScript\n";
        let err = Catalogue::from_data(data).unwrap_err();
        assert!(err.to_string().contains("cannot be allowed"), "{err}");
    }

    #[test]
    fn data_errors_name_the_line_or_service() {
        let err = Catalogue::from_data("[a]\nname = A\n").unwrap_err();
        assert!(err.to_string().contains("missing `url`"), "{err}");
        let err = Catalogue::from_data("[a]\nname = A\nurl = ^https://(a\n").unwrap_err();
        assert!(
            matches!(&err, CatalogueError::BadPattern { service, pattern, .. }
                if service == "a" && pattern == "^https://(a"),
            "{err:?}"
        );
        let err = Catalogue::from_data("[a]\nname = A\ncolour = red\n").unwrap_err();
        assert_eq!(
            err,
            CatalogueError::Syntax {
                line: 3,
                message: "unknown key `colour`".into()
            }
        );
        let err = Catalogue::from_data("[a]\nname=A\nurl=^x\n[a]\nname=B\nurl=^y\n").unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
    }

    #[test]
    fn earliest_service_wins_and_exclusions_apply() {
        let c = Catalogue::builtin().unwrap();
        let id = |u: &str| c.classify(u).map(|s| s.id.clone());
        assert_eq!(
            id("https://meet.google.com/abc-defg-hij").as_deref(),
            Some("google-meet")
        );
        assert_eq!(
            id("https://whereby.com/acme-standup").as_deref(),
            Some("whereby")
        );
        assert_eq!(id("https://whereby.com/information/pricing"), None);
        assert_eq!(id("https://www.daily.co/pricing"), None);
        assert_eq!(
            id("https://acme.daily.co/standup").as_deref(),
            Some("daily")
        );
    }

    #[test]
    fn user_patterns_extend_and_name_the_bad_one() {
        let base = Catalogue::builtin().unwrap();
        let c = base
            .with_user_patterns(&[UserPattern {
                name: "Acme Video".into(),
                pattern: r"^https://video\.acme\.example/room/\w+".into(),
            }])
            .unwrap();
        assert_eq!(c.len(), base.len() + 1);
        let s = c
            .classify("https://video.acme.example/room/standup")
            .unwrap();
        assert_eq!(
            (s.id.as_str(), s.name.as_str()),
            ("custom:Acme Video", "Acme Video")
        );
        assert!(s.user_defined);
        // A built-in service keeps the links it already owns.
        let c2 = base
            .with_user_patterns(&[UserPattern {
                name: "Mine".into(),
                pattern: "zoom".into(),
            }])
            .unwrap();
        assert_eq!(
            c2.classify("https://zoom.us/j/123456789").unwrap().id,
            "zoom"
        );
        // Re-extending replaces the previous user patterns instead of stacking them.
        assert_eq!(c2.with_user_patterns(&[]).unwrap().len(), base.len());

        let err = base
            .with_user_patterns(&[UserPattern {
                name: "Broken".into(),
                pattern: "https://(unclosed".into(),
            }])
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("https://(unclosed") && text.contains("Broken"),
            "{text}"
        );
        assert!(base
            .with_user_patterns(&[UserPattern {
                name: " ".into(),
                pattern: "x".into()
            }])
            .is_err());
        assert!(base
            .with_user_patterns(&[UserPattern {
                name: "Empty".into(),
                pattern: "".into()
            }])
            .is_err());
    }

    #[test]
    fn user_patterns_cannot_widen_the_scheme_allow_list() {
        let c = Catalogue::builtin()
            .unwrap()
            .with_user_patterns(&[UserPattern {
                name: "Script".into(),
                pattern: "^javascript:".into(),
            }])
            .unwrap();
        assert!(!c.scheme_allowed("javascript"));
    }
}
