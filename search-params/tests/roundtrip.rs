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
