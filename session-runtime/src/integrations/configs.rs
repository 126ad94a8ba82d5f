//! Cookie configs chosen at run time for derived session types (`SessionLayer::configure`): a
//! small table from the session type to its config, shared by every request a layer serves.
//!
//! Without an override the table is empty (`None`) and every lookup is the derive's own
//! `&'static` config, exactly as before: no lock, no allocation, no reference count. With
//! overrides a lookup is a linear scan over a handful of `TypeId`s and an `Arc` clone.

use std::any::TypeId;
use std::sync::Arc;

use crate::backend::ConfigRef;
use crate::config::CookieConfig;
use crate::session::Session;

/// The run-time configs of a layer, by session type.
#[derive(Debug, Clone, Default)]
pub(crate) struct TypeConfigs(Option<Arc<Table>>);

/// Session types and their configs; a handful at most, so a `Vec` scanned in order.
type Table = Vec<(TypeId, Arc<CookieConfig>)>;

impl TypeConfigs {
    /// Uses `config` for session type `T` instead of `T::CONFIG` (replacing an earlier one).
    /// A `CookieConfig` is valid by construction (its builder and the derive check every rule).
    #[cfg_attr(not(any(feature = "tower", feature = "actix", feature = "test-util")), allow(dead_code))]
    pub(crate) fn set<T: Session + 'static>(&mut self, config: CookieConfig) {
        let table = Arc::make_mut(self.0.get_or_insert_with(Default::default));
        let config = Arc::new(config);
        match table.iter_mut().find(|(id, _)| *id == TypeId::of::<T>()) {
            Some(entry) => entry.1 = config,
            None => table.push((TypeId::of::<T>(), config)),
        }
    }

    /// `T`'s config: the run-time one if set, else the derive's.
    pub(crate) fn get<T: Session + 'static>(&self) -> ConfigRef {
        let found = self.0.as_deref().and_then(|table| table.iter().find(|(id, _)| *id == TypeId::of::<T>()));
        match found {
            Some((_, config)) => Arc::clone(config).into(),
            None => T::config().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigError, SameSite};

    #[derive(serde::Serialize, serde::Deserialize, Default)]
    struct Visit;
    impl Session for Visit {
        const CONFIG: CookieConfig = CookieConfig::DEFAULT;
        fn config() -> &'static CookieConfig {
            static CONFIG: CookieConfig = Visit::CONFIG;
            &CONFIG
        }
    }

    #[derive(serde::Serialize, serde::Deserialize, Default)]
    struct Other;
    impl Session for Other {
        const CONFIG: CookieConfig = CookieConfig::DEFAULT;
        fn config() -> &'static CookieConfig {
            static CONFIG: CookieConfig = Other::CONFIG;
            &CONFIG
        }
    }

    #[test]
    fn empty_table_is_the_derives_static_config() {
        let configs = TypeConfigs::default();
        assert!(std::ptr::eq(configs.get::<Visit>().get(), Visit::config()));
    }

    #[test]
    fn an_override_is_per_type_and_replaces_an_earlier_one() {
        let mut configs = TypeConfigs::default();
        configs.set::<Visit>(Visit::configure(|c| c.domain("a.example")).unwrap());
        configs.set::<Visit>(Visit::configure(|c| c.domain("b.example")).unwrap());
        assert_eq!(configs.get::<Visit>().get().domain(), Some("b.example"));
        assert!(std::ptr::eq(configs.get::<Other>().get(), Other::config()), "other types keep theirs");
        // A clone shares the table (layers clone it into every request).
        let clone = configs.clone();
        assert_eq!(clone.get::<Visit>().get().domain(), Some("b.example"));
    }

    #[test]
    fn configure_starts_from_the_type_and_checks_the_rules() {
        let config = Visit::configure(|c| c.secure(true)).unwrap();
        assert_eq!(config.name(), Visit::CONFIG.name());
        assert!(config.secure());
        assert_eq!(
            Visit::configure(|c| c.same_site(Some(SameSite::None))),
            Err(ConfigError::SameSiteNoneNeedsSecure)
        );
    }
}
