//! Walking any modelled value by FHIR element names, for FHIRPath-style evaluation (search
//! parameter expressions, invariants) without knowing the concrete Rust types.
//!
//! ```
//! use fhir_model::navigate::{Navigable, Node, PrimitiveRef};
//! use fhir_model::{Task, TaskIntent, TaskStatus};
//!
//! let task = Task::new(TaskStatus::Requested, TaskIntent::Order);
//! let mut out = Vec::new();
//! task.children("status", &mut out);
//! match out[0] {
//!     Node::Primitive(p) => assert_eq!(p.value, Some(PrimitiveRef::String("requested"))),
//!     Node::Complex(_) => unreachable!(),
//! }
//! ```

use crate::coded::{CodeEnum, Coded};
use crate::decimal::Decimal;
use crate::generated::datatypes::Extension;
use crate::primitive::Primitive;
use crate::temporal::{Date, DateTime, Instant, Time};

/// A value whose child elements can be looked up by FHIR name.
pub trait Navigable {
    /// The FHIR type name: the datatype or resource type, `BackboneElement` (or `Element`) for
    /// backbone elements.
    fn fhir_type(&self) -> &'static str;

    /// Appends the children called `name` to `out`. A choice element is found by its name
    /// without type suffix (`value` finds `valueQuantity`); repeating elements append each item.
    fn children<'a>(&'a self, name: &str, out: &mut Vec<Node<'a>>);
}

/// One element reached while navigating.
#[derive(Clone, Copy)]
pub enum Node<'a> {
    /// A primitive element.
    Primitive(PrimitiveNode<'a>),
    /// A complex element, backbone element or resource.
    Complex(&'a dyn Navigable),
}

impl Node<'_> {
    /// The FHIR type name of the node.
    pub fn fhir_type(&self) -> &'static str {
        match self {
            Node::Primitive(p) => p.fhir_type,
            Node::Complex(c) => c.fhir_type(),
        }
    }
}

impl std::fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Primitive(p) => write!(f, "Primitive({}: {:?})", p.fhir_type, p.value),
            Node::Complex(c) => write!(f, "Complex({})", c.fhir_type()),
        }
    }
}

/// A primitive element reached while navigating.
#[derive(Clone, Copy, Debug)]
pub struct PrimitiveNode<'a> {
    /// The FHIR primitive type (`code`, `dateTime`, `string`, ...).
    pub fhir_type: &'static str,
    /// The value, when present.
    pub value: Option<PrimitiveRef<'a>>,
    /// The element's `id`.
    pub id: Option<&'a str>,
    /// The element's extensions.
    pub extension: &'a [Extension],
}

/// A borrowed primitive value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PrimitiveRef<'a> {
    /// `boolean`
    Boolean(bool),
    /// `integer`, `positiveInt`, `unsignedInt`
    Integer(i64),
    /// `decimal`
    Decimal(&'a Decimal),
    /// Every string-based type, including codes.
    String(&'a str),
    /// `date`
    Date(&'a Date),
    /// `dateTime`
    DateTime(&'a DateTime),
    /// `instant`
    Instant(&'a Instant),
    /// `time`
    Time(&'a Time),
}

/// A primitive value type that can be borrowed as a [`PrimitiveRef`].
pub trait AsPrimitiveRef {
    /// The borrowed value.
    fn as_primitive_ref(&self) -> PrimitiveRef<'_>;
}

impl AsPrimitiveRef for String {
    fn as_primitive_ref(&self) -> PrimitiveRef<'_> {
        PrimitiveRef::String(self)
    }
}
impl AsPrimitiveRef for bool {
    fn as_primitive_ref(&self) -> PrimitiveRef<'_> {
        PrimitiveRef::Boolean(*self)
    }
}
impl AsPrimitiveRef for i32 {
    fn as_primitive_ref(&self) -> PrimitiveRef<'_> {
        PrimitiveRef::Integer(i64::from(*self))
    }
}
impl AsPrimitiveRef for u32 {
    fn as_primitive_ref(&self) -> PrimitiveRef<'_> {
        PrimitiveRef::Integer(i64::from(*self))
    }
}
impl AsPrimitiveRef for Decimal {
    fn as_primitive_ref(&self) -> PrimitiveRef<'_> {
        PrimitiveRef::Decimal(self)
    }
}
impl AsPrimitiveRef for Date {
    fn as_primitive_ref(&self) -> PrimitiveRef<'_> {
        PrimitiveRef::Date(self)
    }
}
impl AsPrimitiveRef for DateTime {
    fn as_primitive_ref(&self) -> PrimitiveRef<'_> {
        PrimitiveRef::DateTime(self)
    }
}
impl AsPrimitiveRef for Instant {
    fn as_primitive_ref(&self) -> PrimitiveRef<'_> {
        PrimitiveRef::Instant(self)
    }
}
impl AsPrimitiveRef for Time {
    fn as_primitive_ref(&self) -> PrimitiveRef<'_> {
        PrimitiveRef::Time(self)
    }
}
impl<E: CodeEnum> AsPrimitiveRef for Coded<E> {
    fn as_primitive_ref(&self) -> PrimitiveRef<'_> {
        PrimitiveRef::String(self.code())
    }
}

/// The node of a primitive element.
#[inline]
pub fn primitive_node<'a, T: AsPrimitiveRef>(fhir_type: &'static str, p: &'a Primitive<T>) -> Node<'a> {
    Node::Primitive(PrimitiveNode {
        fhir_type,
        value: p.value.as_ref().map(AsPrimitiveRef::as_primitive_ref),
        id: p.id(),
        extension: p.extension(),
    })
}

/// Pushes a primitive element.
#[inline]
pub fn push_prim<'a, T: AsPrimitiveRef>(out: &mut Vec<Node<'a>>, fhir_type: &'static str, p: &'a Primitive<T>) {
    out.push(primitive_node(fhir_type, p));
}

/// Pushes an optional primitive element.
#[inline]
pub fn push_opt_prim<'a, T: AsPrimitiveRef>(
    out: &mut Vec<Node<'a>>,
    fhir_type: &'static str,
    p: &'a Option<Primitive<T>>,
) {
    if let Some(p) = p {
        out.push(primitive_node(fhir_type, p));
    }
}

/// Pushes each item of a repeating primitive element.
#[inline]
pub fn push_vec_prim<'a, T: AsPrimitiveRef>(out: &mut Vec<Node<'a>>, fhir_type: &'static str, v: &'a [Primitive<T>]) {
    out.extend(v.iter().map(|p| primitive_node(fhir_type, p)));
}

/// Pushes a plain string attribute (`Element.id`, `Extension.url`, `Narrative.div`).
#[inline]
pub fn push_plain<'a>(out: &mut Vec<Node<'a>>, fhir_type: &'static str, s: Option<&'a str>) {
    if let Some(s) = s {
        out.push(Node::Primitive(PrimitiveNode {
            fhir_type,
            value: Some(PrimitiveRef::String(s)),
            id: None,
            extension: &[],
        }));
    }
}

/// Pushes a complex element.
#[inline]
pub fn push_one<'a, T: Navigable>(out: &mut Vec<Node<'a>>, v: &'a T) {
    out.push(Node::Complex(v));
}

/// Pushes an optional complex element.
#[inline]
pub fn push_opt<'a, T: Navigable>(out: &mut Vec<Node<'a>>, v: &'a Option<T>) {
    if let Some(v) = v {
        out.push(Node::Complex(v));
    }
}

/// Pushes each item of a repeating complex element.
#[inline]
pub fn push_vec<'a, T: Navigable>(out: &mut Vec<Node<'a>>, v: &'a [T]) {
    out.extend(v.iter().map(|x| Node::Complex(x as &dyn Navigable)));
}

impl<T: Navigable> Navigable for Box<T> {
    fn fhir_type(&self) -> &'static str {
        (**self).fhir_type()
    }
    fn children<'a>(&'a self, name: &str, out: &mut Vec<Node<'a>>) {
        (**self).children(name, out)
    }
}

/// A `[x]` element's enum: the node of whichever type it holds.
pub trait ChoiceNode {
    /// The node of the held value.
    fn node(&self) -> Node<'_>;
}

/// Pushes an optional choice element.
#[inline]
pub fn push_choice<'a, C: ChoiceNode>(out: &mut Vec<Node<'a>>, v: &'a Option<C>) {
    if let Some(v) = v {
        out.push(v.node());
    }
}
