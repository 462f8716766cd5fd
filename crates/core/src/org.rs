//! The kinds of organization in the program and the CISA critical-infrastructure sectors.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::ParseError;

/// What an organization is in the program; the policy keys many rules on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A federal agency: reviewing agencies (Treasury, NSA, CISA) and those that receive directives.
    Agency,
    /// An AI developer (a lab).
    Developer,
    /// A trusted partner, mostly critical-infrastructure operators.
    Partner,
    /// A software vendor taking part in the clearinghouse.
    Vendor,
    /// A security researcher or research group.
    Researcher,
    /// The program's operator: runs Bulwark and the clearinghouse.
    Operator,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::Agency,
        OrgKind::Developer,
        OrgKind::Partner,
        OrgKind::Vendor,
        OrgKind::Researcher,
        OrgKind::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Agency => "agency",
            OrgKind::Developer => "developer",
            OrgKind::Partner => "partner",
            OrgKind::Vendor => "vendor",
            OrgKind::Researcher => "researcher",
            OrgKind::Operator => "operator",
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrgKind {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseError {
                what: "organization kind",
                value: s.to_owned(),
                allowed: "agency, developer, partner, vendor, researcher, operator",
            })
    }
}

/// The 16 critical-infrastructure sectors of PPD-21, as CISA names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Chemical,
    CommercialFacilities,
    Communications,
    CriticalManufacturing,
    Dams,
    DefenseIndustrialBase,
    EmergencyServices,
    Energy,
    FinancialServices,
    FoodAndAgriculture,
    GovernmentFacilities,
    HealthcareAndPublicHealth,
    InformationTechnology,
    NuclearReactorsMaterialsAndWaste,
    TransportationSystems,
    WaterAndWastewaterSystems,
}

impl Sector {
    pub const ALL: [Sector; 16] = [
        Sector::Chemical,
        Sector::CommercialFacilities,
        Sector::Communications,
        Sector::CriticalManufacturing,
        Sector::Dams,
        Sector::DefenseIndustrialBase,
        Sector::EmergencyServices,
        Sector::Energy,
        Sector::FinancialServices,
        Sector::FoodAndAgriculture,
        Sector::GovernmentFacilities,
        Sector::HealthcareAndPublicHealth,
        Sector::InformationTechnology,
        Sector::NuclearReactorsMaterialsAndWaste,
        Sector::TransportationSystems,
        Sector::WaterAndWastewaterSystems,
    ];

    /// The machine spelling used in the API and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Chemical => "chemical",
            Sector::CommercialFacilities => "commercial_facilities",
            Sector::Communications => "communications",
            Sector::CriticalManufacturing => "critical_manufacturing",
            Sector::Dams => "dams",
            Sector::DefenseIndustrialBase => "defense_industrial_base",
            Sector::EmergencyServices => "emergency_services",
            Sector::Energy => "energy",
            Sector::FinancialServices => "financial_services",
            Sector::FoodAndAgriculture => "food_and_agriculture",
            Sector::GovernmentFacilities => "government_facilities",
            Sector::HealthcareAndPublicHealth => "healthcare_and_public_health",
            Sector::InformationTechnology => "information_technology",
            Sector::NuclearReactorsMaterialsAndWaste => "nuclear_reactors_materials_and_waste",
            Sector::TransportationSystems => "transportation_systems",
            Sector::WaterAndWastewaterSystems => "water_and_wastewater_systems",
        }
    }

    /// The name as CISA writes it, for pages.
    pub fn title(self) -> &'static str {
        match self {
            Sector::Chemical => "Chemical",
            Sector::CommercialFacilities => "Commercial Facilities",
            Sector::Communications => "Communications",
            Sector::CriticalManufacturing => "Critical Manufacturing",
            Sector::Dams => "Dams",
            Sector::DefenseIndustrialBase => "Defense Industrial Base",
            Sector::EmergencyServices => "Emergency Services",
            Sector::Energy => "Energy",
            Sector::FinancialServices => "Financial Services",
            Sector::FoodAndAgriculture => "Food and Agriculture",
            Sector::GovernmentFacilities => "Government Facilities",
            Sector::HealthcareAndPublicHealth => "Healthcare and Public Health",
            Sector::InformationTechnology => "Information Technology",
            Sector::NuclearReactorsMaterialsAndWaste => "Nuclear Reactors, Materials, and Waste",
            Sector::TransportationSystems => "Transportation Systems",
            Sector::WaterAndWastewaterSystems => "Water and Wastewater Systems",
        }
    }
}

impl fmt::Display for Sector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Sector {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sector::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ParseError {
                what: "critical-infrastructure sector",
                value: s.to_owned(),
                allowed: "one of the 16 CISA sectors, e.g. energy, financial_services, water_and_wastewater_systems",
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_distinct_sectors_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for s in Sector::ALL {
            assert!(seen.insert(s.as_str()));
            assert_eq!(s.as_str().parse::<Sector>(), Ok(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        assert_eq!(seen.len(), 16);
    }

    #[test]
    fn kinds_round_trip_and_unknown_is_refused() {
        for k in OrgKind::ALL {
            assert_eq!(k.as_str().parse::<OrgKind>(), Ok(k));
        }
        let err = "lab".parse::<OrgKind>().unwrap_err();
        assert!(err.to_string().contains("lab"));
    }
}
