//! `TaskTree` on random `partOf` graphs, cycles, dangling and repeated parents included: the
//! result agrees with a naive oracle, every reported cycle is a real cycle, and building always
//! ends.

use coordination::{TaskTree, TreeProblem};
use fhir_model::{Primitive, Reference, Task, TaskIntent, TaskStatus};
use proptest::prelude::*;

/// What one node's `partOf` holds.
#[derive(Debug, Clone)]
enum Parent {
    None,
    Node(usize),
    Dangling,
    Two(usize, usize),
}

fn parent() -> impl Strategy<Value = Parent> {
    prop_oneof![
        3 => Just(Parent::None),
        6 => (0usize..16).prop_map(Parent::Node),
        1 => Just(Parent::Dangling),
        1 => (0usize..16, 0usize..16).prop_map(|(a, b)| Parent::Two(a, b)),
    ]
}

fn task(id: &str, parents: &[String]) -> Task {
    let mut t = Task::new(TaskStatus::Requested, TaskIntent::Order);
    t.id = Some(Primitive::from(id));
    t.part_of = parents.iter().map(|p| Reference::to_type_id("Task", p)).collect();
    t
}

/// The tasks, and for each node its set of parents among the nodes (and whether it dangles).
fn graph(spec: &[Parent]) -> (Vec<Task>, Vec<Vec<usize>>, Vec<bool>) {
    let n = spec.len();
    let name = |i: usize| format!("t{i}");
    let mut tasks = Vec::new();
    let mut parents = Vec::new();
    let mut dangling = Vec::new();
    for (i, p) in spec.iter().enumerate() {
        let (refs, ps, d): (Vec<String>, Vec<usize>, bool) = match p {
            Parent::None => (vec![], vec![], false),
            Parent::Node(k) => (vec![name(k % n)], vec![k % n], false),
            Parent::Dangling => (vec!["missing".into()], vec![], true),
            Parent::Two(a, b) => {
                let (a, b) = (a % n, b % n);
                let mut ps = vec![a];
                if b != a {
                    ps.push(b);
                }
                (vec![name(a), name(b)], ps, false)
            }
        };
        tasks.push(task(&name(i), &refs));
        parents.push(ps);
        dangling.push(d);
    }
    (tasks, parents, dangling)
}

/// Nodes on a cycle of the single-parent function (nodes with several parents have none here,
/// as in the implementation, which reports them separately).
fn oracle_cycle_nodes(parents: &[Vec<usize>]) -> Vec<bool> {
    let n = parents.len();
    let single = |i: usize| {
        if parents[i].len() == 1 {
            Some(parents[i][0])
        } else {
            None
        }
    };
    (0..n)
        .map(|start| {
            let mut at = single(start);
            for _ in 0..n {
                match at {
                    Some(x) if x == start => return true,
                    Some(x) => at = single(x),
                    None => return false,
                }
            }
            false
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn tree_building_agrees_with_the_oracle(spec in prop::collection::vec(parent(), 1..16)) {
        let (tasks, parents, dangling) = graph(&spec);
        let on_cycle = oracle_cycle_nodes(&parents);
        let multi = parents.iter().any(|p| p.len() > 1);
        let expect_error = multi || dangling.iter().any(|d| *d) || on_cycle.iter().any(|c| *c);
        match TaskTree::build(&tasks) {
            Ok(tree) => {
                prop_assert!(!expect_error);
                prop_assert_eq!(tree.len(), tasks.len());
                let mut reached = 0;
                for root in tree.roots() {
                    let id = root.id.as_ref().unwrap().value.clone().unwrap();
                    prop_assert_eq!(tree.depth(&id), Some(0));
                    prop_assert!(tree.parent(&id).is_none());
                    reached += 1 + tree.descendants(&id).len();
                }
                // every Task is below exactly one root
                prop_assert_eq!(reached, tasks.len());
                for (i, ps) in parents.iter().enumerate() {
                    let id = format!("t{i}");
                    match ps.as_slice() {
                        [] => prop_assert_eq!(tree.depth(&id), Some(0)),
                        [p] => {
                            let pid = format!("t{p}");
                            prop_assert_eq!(tree.depth(&id), tree.depth(&pid).map(|d| d + 1));
                            prop_assert!(tree.children(&pid).iter().any(|c| c.id == tasks[i].id));
                            prop_assert_eq!(tree.parent(&id).map(|t| t.id.clone()), Some(tasks[*p].id.clone()));
                        }
                        _ => prop_assert!(false, "multi-parent node in a built tree"),
                    }
                }
            }
            Err(err) => {
                prop_assert!(expect_error, "unexpected error {err}");
                let mut cycle_nodes = vec![false; tasks.len()];
                for problem in &err.problems {
                    match problem {
                        TreeProblem::Cycle { tasks: ids } => {
                            // consecutive members are child -> parent, and it closes
                            let idx: Vec<usize> = ids.iter().map(|s| s[1..].parse().unwrap()).collect();
                            for k in 0..idx.len() {
                                let (child, par) = (idx[k], idx[(k + 1) % idx.len()]);
                                prop_assert_eq!(&parents[child], &vec![par]);
                                prop_assert!(!cycle_nodes[child], "node reported in two cycles");
                                cycle_nodes[child] = true;
                            }
                            prop_assert_eq!(ids.iter().min(), ids.first(), "cycle starts at its smallest id");
                        }
                        TreeProblem::Dangling { task, reference } => {
                            prop_assert_eq!(reference.as_str(), "Task/missing");
                            prop_assert!(dangling[task[1..].parse::<usize>().unwrap()]);
                        }
                        TreeProblem::MultipleParents { task, parents: ps } => {
                            let i: usize = task[1..].parse().unwrap();
                            prop_assert_eq!(ps.len(), parents[i].len());
                        }
                        other => prop_assert!(false, "unexpected problem {other:?}"),
                    }
                }
                prop_assert_eq!(cycle_nodes, on_cycle);
                let dangling_reported = err.problems.iter().filter(|p| matches!(p, TreeProblem::Dangling { .. })).count();
                prop_assert_eq!(dangling_reported, dangling.iter().filter(|d| **d).count());
                let multi_reported = err.problems.iter().filter(|p| matches!(p, TreeProblem::MultipleParents { .. })).count();
                prop_assert_eq!(multi_reported, parents.iter().filter(|p| p.len() > 1).count());
            }
        }
    }
}

#[test]
fn every_kind_of_problem_is_reported_at_once() {
    let mut no_id = Task::new(TaskStatus::Requested, TaskIntent::Order);
    no_id.part_of.push(Reference::to_type_id("Task", "a"));
    let mut logical = task("l", &[]);
    logical.part_of.push(Reference::to_identifier("urn:sys", "parent-1"));
    let mut contained = task("c", &[]);
    contained.part_of.push(Reference {
        reference: Some(Primitive::from("#inner")),
        ..Default::default()
    });
    let mut not_task = task("n", &[]);
    not_task.part_of.push(Reference::to_type_id("ServiceRequest", "sr"));
    let tasks = vec![
        task("a", &[]),
        task("a", &[]),
        no_id,
        task("d", &["gone".into()]),
        task("m", &["a".into(), "d".into()]),
        logical,
        contained,
        not_task,
        task("x", &["y".into()]),
        task("y", &["x".into()]),
        task("self", &["self".into()]),
    ];
    let err = TaskTree::build(&tasks).unwrap_err();
    insta::assert_snapshot!(err.to_string().replace("; ", ";\n"), @r"
    the Tasks do not form a tree by partOf: Task/a: id used by more than one Task;
    Task #2: no id (expected an id to build a tree);
    Task/d.partOf: Task/gone is not a Task of the set;
    Task/m.partOf: expected one parent, found 2 (Task/a, Task/d);
    Task/l.partOf: expected a literal reference to a Task, found identifier urn:sys|parent-1;
    Task/c.partOf: expected a literal reference to a Task, found #inner;
    Task/n.partOf: expected a literal reference to a Task, found ServiceRequest/sr;
    partOf cycle: Task/x -> Task/y -> Task/x;
    partOf cycle: Task/self -> Task/self
    ");
}

#[test]
fn absolute_partof_references_and_repeated_parents_resolve() {
    let mut child = task("child", &[]);
    child.part_of.push(Reference {
        reference: Some(Primitive::from("https://lab.example.org/fhir/Task/root")),
        ..Default::default()
    });
    child.part_of.push(Reference::to_type_id("Task", "root"));
    let grandchild = task("grandchild", &["child".into()]);
    let tasks = vec![grandchild, child, task("root", &[])];
    let tree = TaskTree::build(&tasks).unwrap();
    assert_eq!(tree.depth("grandchild"), Some(2));
    assert_eq!(tree.root_of("grandchild"), Some("root"));
    let below: Vec<_> = tree
        .descendants("root")
        .iter()
        .map(|t| t.id.clone().unwrap().value.unwrap())
        .collect();
    assert_eq!(below, ["child", "grandchild"]);
    assert!(tree.children("unknown").is_empty());
    assert_eq!(tree.depth("unknown"), None);
}
