//! List prices for DynamoDB, from a dated data file with its sources
//! (`prices/us-east-1.json`, embedded; `dynolab serve --prices FILE` replaces it).

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ClassPrices {
    pub on_demand_read_per_million: f64,
    pub on_demand_write_per_million: f64,
    pub provisioned_rcu_hour: f64,
    pub provisioned_wcu_hour: f64,
    pub storage_gb_month: f64,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Prices {
    pub region: String,
    pub currency: String,
    pub as_of: String,
    pub hours_per_month: f64,
    pub sources: Vec<String>,
    /// Table class (`STANDARD`, `STANDARD_INFREQUENT_ACCESS`) → prices.
    pub classes: BTreeMap<String, ClassPrices>,
}

const US_EAST_1: &str = include_str!("../prices/us-east-1.json");

impl Prices {
    pub fn us_east_1() -> Prices {
        Prices::from_json(US_EAST_1).expect("the embedded price file parses")
    }

    pub fn from_json(text: &str) -> Result<Prices, String> {
        let prices: Prices = serde_json::from_str(text).map_err(|e| format!("price file: {e}"))?;
        if !prices.classes.contains_key("STANDARD") {
            return Err("price file: no STANDARD class".into());
        }
        Ok(prices)
    }

    /// Prices of a table class; unknown classes are priced as STANDARD.
    pub fn class(&self, class: &str) -> &ClassPrices {
        self.classes
            .get(class)
            .or_else(|| self.classes.get("STANDARD"))
            .expect("STANDARD is checked on load")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_orders_table_costs_about_2400_a_month() {
        // 5,000 RCU / 1,000 WCU, five GSIs at 400 RCU / 500 WCU, 50 GB of items projected ALL
        // into each GSI: storage without the free tier.
        let p = Prices::us_east_1();
        let s = p.class("STANDARD");
        let hours = p.hours_per_month;
        let table =
            5_000.0 * s.provisioned_rcu_hour * hours + 1_000.0 * s.provisioned_wcu_hour * hours;
        let gsis = 5.0 * (400.0 * s.provisioned_rcu_hour + 500.0 * s.provisioned_wcu_hour) * hours;
        let storage = 6.0 * 50.0 * s.storage_gb_month;
        let total = table + gsis + storage;
        assert!((2_350.0..2_450.0).contains(&total), "{total}");
    }
}
