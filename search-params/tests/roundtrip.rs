//! Properties: any value survives build → parse unchanged (escaping cannot be broken), and
//! parsing never panics.

use proptest::prelude::*;
use search_params::{Query, Test, TokenValue};

/// Text mixing the characters with a meaning in queries, spaces and non-ASCII.
fn tricky() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('&'),
            Just('='),
            Just(','),
            Just('|'),
            Just('$'),
            Just('\\'),
            Just('#'),
            Just('%'),
            Just('+'),
            Just(' '),
            Just('?'),
            Just(':'),
            Just('/'),
            Just('é'),
            Just('ß'),
            Just('中'),
            Just('\u{301}'),
            Just('😀'),
            Just('\n'),
            any::<char>(),
            "[a-z0-9]".prop_map(|s| s.chars().next().unwrap()),
        ],
        1..24,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn string_and_token_values_survive(a in tricky(), b in tricky(), c in tricky()) {
        let query = Query::new("Patient").unwrap()
            .and("name", Test::String { mode: search_params::StringMode::Contains, values: vec![a.clone(), b.clone()] }).unwrap()
            .and("identifier", Test::token(TokenValue::system_code(b.clone(), c.clone()))).unwrap()
            .and("_tag", Test::Token { mode: search_params::TokenMode::Not, values: vec![TokenValue::System(c.clone()), TokenValue::NoSystem(a.clone())] }).unwrap();
        let url = query.to_relative();
        prop_assert!(!url.contains('#') && !url.contains(' ') && url.matches('&').count() == 2, "{}", url);
        let parsed = Query::parse(&url).unwrap();
        prop_assert_eq!(&parsed, &query);
        prop_assert_eq!(parsed.to_relative(), url);
        let body = query.to_form_body();
        prop_assert_eq!(Query::parse_form("Patient", &body).unwrap(), query);
    }

    #[test]
    fn parsing_never_panics(text in ".*", tail in tricky()) {
        let _ = Query::parse(&text);
        let _ = Query::parse(&format!("Task?{text}"));
        let _ = Query::parse(&format!("Task?status{tail}"));
        let _ = Query::parse(&format!("Task?{tail}={text}"));
        let _ = Query::parse_form("Task", &text);
    }
}

mod date_prefixes {
    use fhir_model::json::from_str;
    use fhir_model::Task;
    use proptest::prelude::*;
    use search_params::{Outcome, Query};

    fn date() -> impl Strategy<Value = String> {
        (2019u32..2023, 1u32..13, 1u32..29, 0u32..24, 0u32..60, 0u32..5).prop_map(|(y, m, d, h, mi, precision)| {
            match precision {
                0 => format!("{y}"),
                1 => format!("{y}-{m:02}"),
                2 => format!("{y}-{m:02}-{d:02}"),
                3 => format!("{y}-{m:02}-{d:02}T{h:02}:{mi:02}Z"),
                _ => format!("{y}-{m:02}-{d:02}T{h:02}:{mi:02}:30-04:00"),
            }
        })
    }

    fn target() -> impl Strategy<Value = String> {
        (2019u32..2023, 1u32..13, 1u32..29, 0u32..24, 0u32..60, any::<bool>()).prop_map(|(y, m, d, h, mi, day)| {
            if day {
                format!("{y}-{m:02}-{d:02}")
            } else {
                format!("{y}-{m:02}-{d:02}T{h:02}:{mi:02}:00Z")
            }
        })
    }

    fn answer(prefix: &str, date: &str, task: &Task) -> bool {
        match Query::parse(&format!("Task?authored-on={prefix}{date}"))
            .unwrap()
            .compile()
            .matches(task)
        {
            Outcome::Match => true,
            Outcome::NoMatch => false,
            Outcome::Unsupported(why) => panic!("{why}"),
        }
    }

    proptest! {
        /// The prefixes relate as the range table of search.html#prefix says.
        #[test]
        fn prefixes_are_consistent(search in date(), value in target()) {
            let task: Task = from_str(&format!(
                r#"{{"resourceType":"Task","status":"requested","intent":"order","authoredOn":"{value}"}}"#
            )).unwrap();
            let [eq, ne, gt, lt, ge, le, sa, eb, ap] =
                ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"].map(|p| answer(p, &search, &task));
            prop_assert_eq!(answer("", &search, &task), eq);
            prop_assert_eq!(ne, !eq);
            prop_assert_eq!(ge, gt || eq);
            prop_assert_eq!(le, lt || eq);
            prop_assert!(!sa || gt, "sa implies gt");
            prop_assert!(!eb || lt, "eb implies lt");
            prop_assert!(!eq || ap, "eq implies ap");
            prop_assert!(!(sa && eb), "not both before and after");
            prop_assert!(gt || lt || ap, "a target is after, before, or overlapping");
        }
    }
}
