//! The generated registry: coverage, the rules derived from the search page, and what cannot be
//! compiled.

use search_params::registry::{self, Modifier, Origin, ParamType, Prefix};

#[test]
fn covers_the_modelled_resources_and_the_common_parameters() {
    let all = registry::all();
    assert_eq!(all.len(), 492);
    assert_eq!(
        all.iter()
            .filter(|p| p.base == "Resource" || p.base == "DomainResource")
            .count(),
        12
    );
    assert_eq!(all.iter().filter(|p| p.base == "Task").count(), 19);
    for code in [
        "_id",
        "_lastUpdated",
        "_tag",
        "_profile",
        "_security",
        "_source",
        "_text",
        "_content",
        "_list",
        "_has",
        "_type",
    ] {
        assert!(registry::lookup("Task", code).is_some(), "{code}");
    }
    // `_text` is defined on DomainResource; Bundle, Binary and Parameters are not DomainResources.
    assert!(registry::lookup("Bundle", "_text").is_none());
    assert!(registry::lookup("Bundle", "_id").is_some());
    assert!(registry::is_known_resource("Parameters"));
    assert!(!registry::is_known_resource("Account"));
    let hand: Vec<_> = all
        .iter()
        .filter(|p| p.origin == Origin::SearchPage)
        .map(|p| p.code)
        .collect();
    assert_eq!(hand, ["_has", "_list", "_type"]);
    assert_eq!(registry::lookup("Task", "_type").unwrap().type_, ParamType::Token);
}

#[test]
fn modifiers_and_comparators_follow_the_types() {
    for p in registry::all() {
        let prefixed = matches!(p.type_, ParamType::Date | ParamType::Number | ParamType::Quantity);
        assert_eq!(
            p.comparators.len(),
            if prefixed { Prefix::ALL.len() } else { 0 },
            "{}:{}",
            p.base,
            p.code
        );
        let missing = !matches!(p.type_, ParamType::Composite | ParamType::Special) && p.origin == Origin::Definitions;
        assert_eq!(p.allows(Modifier::Missing), missing, "{}:{}", p.base, p.code);
        assert_eq!(
            p.allows(Modifier::Exact),
            p.type_ == ParamType::String && p.origin == Origin::Definitions
        );
        assert_eq!(
            p.allows(Modifier::Not),
            p.type_ == ParamType::Token && p.origin == Origin::Definitions
        );
        assert_eq!(p.allows(Modifier::Identifier), p.type_ == ParamType::Reference);
        if p.type_ == ParamType::Reference {
            assert!(!p.targets.is_empty(), "{}:{}", p.base, p.code);
            // :above/:below only on hierarchies (references to the parameter's own type).
            assert_eq!(p.allows(Modifier::Below), p.targets(p.base), "{}:{}", p.base, p.code);
        }
        if p.type_ == ParamType::Composite {
            assert!(
                p.components.len() >= 2 && p.components.iter().all(|c| c.paths.is_ok()),
                "{}",
                p.code
            );
        }
    }
    assert!(registry::lookup("Task", "part-of").unwrap().allows(Modifier::Below));
    assert!(!registry::lookup("Task", "owner").unwrap().allows(Modifier::Below));
}

#[test]
fn every_expression_but_a_few_compiles() {
    let failed: Vec<String> = registry::all()
        .iter()
        .filter(|p| p.paths.is_err())
        .map(|p| format!("{}:{}", p.base, p.code))
        .collect();
    assert_eq!(
        failed,
        [
            "DomainResource:_text",
            "Patient:deceased",
            "Resource:_content",
            "Resource:_has",
            "Resource:_list",
            "Resource:_query",
            "Resource:_type"
        ]
    );
    let owner = registry::lookup("Task", "owner").unwrap();
    assert_eq!(owner.expression, Some("Task.owner"));
    assert_eq!(owner.url, "http://hl7.org/fhir/SearchParameter/Task-owner");
}
