//! Which requests this relay replays: by route name and by content type. A relay that is not told
//! otherwise replays everything.

use hookbox_core::http::MediaType;

/// Routes and content types to replay; an empty list lets everything through.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub routes: Vec<String>,
    /// Media types (`application/json`), compared without parameters and case.
    pub content_types: Vec<String>,
}

impl Filter {
    pub fn accepts(&self, route: &str, content_type: Option<&str>) -> bool {
        let route_ok = self.routes.is_empty() || self.routes.iter().any(|name| name == route);
        let type_ok = self.content_types.is_empty()
            || content_type.and_then(MediaType::parse).is_some_and(|media| {
                self.content_types
                    .iter()
                    .any(|wanted| MediaType::parse(wanted).as_ref() == Some(&media))
            });
        route_ok && type_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_filter_accepts_everything() {
        assert!(Filter::default().accepts("any", None));
    }

    #[test]
    fn routes_must_match_exactly() {
        let filter = Filter {
            routes: vec!["github".into(), "gitlab".into()],
            ..Filter::default()
        };
        assert!(filter.accepts("github", None) && filter.accepts("gitlab", Some("text/plain")));
        assert!(!filter.accepts("githubx", None));
    }

    #[test]
    fn content_types_ignore_parameters_and_case_and_need_a_header() {
        let filter = Filter {
            content_types: vec!["application/json".into()],
            ..Filter::default()
        };
        assert!(filter.accepts("r", Some("Application/JSON; charset=utf-8")));
        assert!(!filter.accepts("r", Some("application/x-www-form-urlencoded")));
        assert!(!filter.accepts("r", None));
    }
}
