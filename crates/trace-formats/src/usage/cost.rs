//! The producer's own cost beside a usage object, read by the typed probe exactly as
//! `usage::reported_cost` reads it from a `Value`: a dollar figure (harn `cost_usd`, ATIF
//! `metrics.cost_usd`) or Relay's `cost: {total, currency, …}` object.

use serde::de::MapAccess;
use serde::{Deserialize, Deserializer};

use super::nano_usd;
use super::probe::{Lenient, Scalar, lenient};

/// A producer's cost, as `usage::reported_cost` reads it from a `Value`: dollars, or an object
/// whose `total` is in USD.
#[derive(Default)]
pub(crate) struct CostProbe(pub(crate) Option<u64>);

impl<'de> Deserialize<'de> for CostProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

/// A plain dollar figure (`total`), not a count: fractions matter.
#[derive(Default)]
struct Dollars(Option<f64>);

impl<'de> Deserialize<'de> for Dollars {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for Dollars {
    type Obj = ();
    const FIELDS: &'static [&'static str] = &[];
    fn object((): ()) -> Self {
        Self(None)
    }
    fn scalar(v: Scalar<'_>) -> Self {
        Self(match v {
            Scalar::U64(n) => Some(n as f64),
            Scalar::I64(n) => Some(n as f64),
            Scalar::F64(f) => Some(f),
            Scalar::Str(_) => None,
        })
    }
}

/// A currency name, compared with `USD`.
#[derive(Default)]
struct IsUsd(Option<bool>);

impl<'de> Deserialize<'de> for IsUsd {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for IsUsd {
    type Obj = ();
    const FIELDS: &'static [&'static str] = &[];
    fn object((): ()) -> Self {
        Self(None)
    }
    fn scalar(v: Scalar<'_>) -> Self {
        Self(match v {
            Scalar::Str(s) => Some(s.eq_ignore_ascii_case("usd")),
            _ => None,
        })
    }
}

impl Lenient for CostProbe {
    /// (`total`, whether `currency` is USD when given).
    type Obj = (Option<f64>, Option<bool>);
    const FIELDS: &'static [&'static str] = &["total", "currency"];
    fn field<'de, A: MapAccess<'de>>(
        obj: &mut Self::Obj,
        i: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if i == 0 {
            obj.0 = map.next_value::<Dollars>()?.0;
        } else {
            obj.1 = map.next_value::<IsUsd>()?.0;
        }
        Ok(())
    }
    fn object((total, usd): Self::Obj) -> Self {
        Self(total.filter(|_| usd != Some(false)).and_then(nano_usd))
    }
    fn scalar(v: Scalar<'_>) -> Self {
        Self(Dollars::scalar(v).0.and_then(nano_usd))
    }
}
