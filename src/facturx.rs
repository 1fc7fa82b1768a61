//! Factur-X: the structured invoice (UN/CEFACT Cross Industry Invoice, EN
//! 16931 profile by default, BASIC on request) embedded in each appel PDF as
//! `factur-x.xml`, so a member's software reads the appel without retyping.
//!
//! Pure: an `Appel` and the issuer in, XML text out. Amounts come from the
//! same lines and totals as the PDF and the ledger, so they agree to the cent.

use std::fmt::Write as _;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::appel::Appel;
use crate::avoir::Correction;
use crate::emetteur::Emetteur;
use crate::money::Montant;
use crate::pricing::Ligne;

/// The Factur-X profile written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// EN 16931 (« COMFORT »): the full European semantic model.
    #[default]
    En16931,
    /// BASIC: lines without the less common EN 16931 details.
    Basic,
}

impl Profile {
    /// The guideline identifier (BT-24).
    #[must_use]
    pub fn guideline(self) -> &'static str {
        match self {
            Profile::En16931 => "urn:cen.eu:en16931:2017",
            Profile::Basic => "urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic",
        }
    }

    /// The `fx:ConformanceLevel` of the XMP metadata.
    #[must_use]
    pub fn conformance_level(self) -> &'static str {
        match self {
            Profile::En16931 => "EN 16931",
            Profile::Basic => "BASIC",
        }
    }
}

/// Name of the embedded file, fixed by the Factur-X specification.
pub const XML_FILE_NAME: &str = "factur-x.xml";

/// Text for the invoice's XML (content and attributes alike).
fn esc(text: &str) -> std::borrow::Cow<'_, str> {
    crate::xml::escape(text, crate::xml::Quotes::Escape)
}

fn date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

fn amount(m: Montant) -> String {
    format!("{:.2}", m.decimal())
}

fn quantity(q: Decimal) -> String {
    let n = q.normalize();
    if n.scale() == 0 {
        format!("{n}")
    } else {
        format!("{n:.4}")
    }
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).collect()
}

/// `<ram:TAG>text</ram:TAG>`, the text escaped.
fn element(x: &mut String, tag: &str, text: &str) {
    let _ = write!(x, "<ram:{tag}>{}</ram:{tag}>", esc(text));
}

/// Opens a `SellerTradeParty` or `BuyerTradeParty` (`role`) with its name
/// and its SIRET; the caller writes the rest and closes it.
fn trade_party(x: &mut String, role: &str, name: &str, siret: &str) {
    let _ = write!(x, "<ram:{role}TradeParty>");
    element(x, "Name", name);
    let _ = write!(
        x,
        "<ram:SpecifiedLegalOrganization><ram:ID schemeID=\"0009\">{}</ram:ID></ram:SpecifiedLegalOrganization>",
        esc(siret)
    );
}

fn address(x: &mut String, lines: &[&str], postcode: &str, city: &str) {
    x.push_str("<ram:PostalTradeAddress>");
    if !postcode.is_empty() {
        element(x, "PostcodeCode", postcode);
    }
    for (tag, line) in ["LineOne", "LineTwo", "LineThree"]
        .iter()
        .zip(lines.iter().filter(|l| !l.is_empty()))
    {
        element(x, tag, line);
    }
    if !city.is_empty() {
        element(x, "CityName", city);
    }
    x.push_str("<ram:CountryID>FR</ram:CountryID></ram:PostalTradeAddress>");
}

/// The CII XML of one appel.
#[must_use]
pub fn cii_xml(appel: &Appel, emetteur: &Emetteur, profile: Profile) -> String {
    cii(appel, None, emetteur, profile)
}

/// The CII XML of one credit note (`crate::avoir`): type 381, the credited
/// lines and totals as positive amounts (`document` as billed, as EN 16931
/// wants a credit note), the appel it corrects as the preceding invoice
/// reference (BT-25, BT-26), and no payment asked.
#[must_use]
pub fn cii_xml_avoir(
    document: &Appel,
    correction: &Correction,
    emetteur: &Emetteur,
    profile: Profile,
) -> String {
    cii(document, Some(correction), emetteur, profile)
}

/// The XML of an appel (`correction` is `None`) or of a credit note.
fn cii(
    appel: &Appel,
    correction: Option<&Correction>,
    emetteur: &Emetteur,
    profile: Profile,
) -> String {
    let mut x = String::with_capacity(4096 + appel.lignes.len() * 900);
    x.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    x.push('\n');
    x.push_str(concat!(
        r#"<rsm:CrossIndustryInvoice"#,
        r#" xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100""#,
        r#" xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100""#,
        r#" xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100""#,
        r#" xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">"#
    ));
    document(&mut x, appel, correction, emetteur, profile);
    x.push_str("</rsm:ExchangedDocument><rsm:SupplyChainTradeTransaction>");
    line_items(&mut x, appel, profile);
    agreement(&mut x, appel, emetteur, profile);
    settlement(&mut x, appel, correction, emetteur, profile);
    x.push_str("</ram:ApplicableHeaderTradeSettlement></rsm:SupplyChainTradeTransaction></rsm:CrossIndustryInvoice>\n");
    x
}

/// The context (the profile) and the document: number, type, date, notes.
fn document(
    x: &mut String,
    appel: &Appel,
    correction: Option<&Correction>,
    emetteur: &Emetteur,
    profile: Profile,
) {
    let _ = write!(
        x,
        "<rsm:ExchangedDocumentContext><ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>{}</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter></rsm:ExchangedDocumentContext>",
        profile.guideline()
    );
    let _ = write!(
        x,
        "<rsm:ExchangedDocument><ram:ID>{}</ram:ID><ram:TypeCode>{}</ram:TypeCode><ram:IssueDateTime><udt:DateTimeString format=\"102\">{}</udt:DateTimeString></ram:IssueDateTime>",
        esc(&appel.numero),
        // 380: commercial invoice; 381: credit note.
        if correction.is_some() { "381" } else { "380" },
        date(appel.date_emission)
    );
    match correction {
        None => {
            let _ = write!(
                x,
                "<ram:IncludedNote><ram:Content>Appel de cotisation {} – {} – tranche {} ({})</ram:Content></ram:IncludedNote>",
                appel.exercice,
                esc(&emetteur.nom),
                appel.placement.tranche,
                esc(&appel.placement.motif)
            );
        }
        Some(c) => {
            let _ = write!(
                x,
                "<ram:IncludedNote><ram:Content>Avoir sur l'appel de cotisation {} (exercice {}) – {} – tranche {} ({})</ram:Content></ram:IncludedNote><ram:IncludedNote><ram:Content>Motif : {}</ram:Content></ram:IncludedNote>",
                esc(&c.appel_numero),
                appel.exercice,
                esc(&emetteur.nom),
                appel.placement.tranche,
                esc(&appel.placement.motif),
                esc(&c.motif)
            );
        }
    }
}

/// One line item per appel line.
fn line_items(x: &mut String, appel: &Appel, profile: Profile) {
    let exempt = appel.totaux.tva.is_zero();
    for (i, l) in appel.lignes.iter().enumerate() {
        let _ = write!(
            x,
            "<ram:IncludedSupplyChainTradeLineItem><ram:AssociatedDocumentLineDocument><ram:LineID>{}</ram:LineID></ram:AssociatedDocumentLineDocument>",
            i + 1
        );
        // BT-155, the seller's item identifier: not in the BASIC profile.
        x.push_str("<ram:SpecifiedTradeProduct>");
        if profile == Profile::En16931 {
            element(x, "SellerAssignedID", &l.code);
        }
        element(x, "Name", &l.libelle);
        x.push_str("</ram:SpecifiedTradeProduct>");
        let _ = write!(
            x,
            "<ram:SpecifiedLineTradeAgreement><ram:NetPriceProductTradePrice><ram:ChargeAmount>{}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>",
            amount(l.prix_unitaire)
        );
        let _ = write!(
            x,
            "<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode=\"{}\">{}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>",
            esc(&l.code_unite),
            quantity(l.quantite)
        );
        x.push_str("<ram:SpecifiedLineTradeSettlement>");
        tax_line(x, l.taux_tva, exempt);
        line_allowance(x, l);
        let _ = write!(
            x,
            "<ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>{}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation></ram:SpecifiedLineTradeSettlement></ram:IncludedSupplyChainTradeLineItem>",
            amount(l.montant_ht)
        );
    }
}

/// Seller and buyer, and the buyer's references (code service, engagement).
fn agreement(x: &mut String, appel: &Appel, emetteur: &Emetteur, profile: Profile) {
    x.push_str("<ram:ApplicableHeaderTradeAgreement>");
    let m = &appel.membre;
    if !m.code_service.is_empty() {
        element(x, "BuyerReference", &m.code_service);
    }
    trade_party(x, "Seller", &emetteur.nom, &digits(&emetteur.siret));
    if profile == Profile::En16931 && (!emetteur.telephone.is_empty() || !emetteur.email.is_empty())
    {
        x.push_str("<ram:DefinedTradeContact>");
        if !emetteur.service.is_empty() {
            element(x, "DepartmentName", &emetteur.service);
        }
        if !emetteur.telephone.is_empty() {
            let _ = write!(
                x,
                "<ram:TelephoneUniversalCommunication><ram:CompleteNumber>{}</ram:CompleteNumber></ram:TelephoneUniversalCommunication>",
                esc(&emetteur.telephone)
            );
        }
        if !emetteur.email.is_empty() {
            let _ = write!(
                x,
                "<ram:EmailURIUniversalCommunication><ram:URIID>{}</ram:URIID></ram:EmailURIUniversalCommunication>",
                esc(&emetteur.email)
            );
        }
        x.push_str("</ram:DefinedTradeContact>");
    }
    let lines: Vec<&str> = emetteur.adresse.iter().map(String::as_str).collect();
    address(x, &lines, &emetteur.code_postal, &emetteur.ville);
    x.push_str("</ram:SellerTradeParty>");
    trade_party(x, "Buyer", &m.nom, &m.siret);
    address(x, &[m.adresse.as_str()], &m.code_postal, &m.ville);
    if !m.email.is_empty() {
        let _ = write!(
            x,
            "<ram:URIUniversalCommunication><ram:URIID schemeID=\"EM\">{}</ram:URIID></ram:URIUniversalCommunication>",
            esc(&m.email)
        );
    }
    x.push_str("</ram:BuyerTradeParty>");
    if !m.engagement.is_empty() {
        let _ = write!(
            x,
            "<ram:BuyerOrderReferencedDocument><ram:IssuerAssignedID>{}</ram:IssuerAssignedID></ram:BuyerOrderReferencedDocument>",
            esc(&m.engagement)
        );
    }
    x.push_str("</ram:ApplicableHeaderTradeAgreement><ram:ApplicableHeaderTradeDelivery/>");
}

/// Settlement: payment means, VAT breakdown, period, terms, totals.
fn settlement(
    x: &mut String,
    appel: &Appel,
    correction: Option<&Correction>,
    emetteur: &Emetteur,
    profile: Profile,
) {
    // A credit note asks for no payment: no remittance reference, no means.
    x.push_str("<ram:ApplicableHeaderTradeSettlement>");
    if correction.is_none() {
        element(x, "PaymentReference", &appel.numero);
    }
    x.push_str("<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>");
    let iban = digits(&emetteur.paiement.iban);
    if !iban.is_empty() && correction.is_none() {
        let _ = write!(
            x,
            "<ram:SpecifiedTradeSettlementPaymentMeans><ram:TypeCode>30</ram:TypeCode><ram:PayeePartyCreditorFinancialAccount><ram:IBANID>{}</ram:IBANID></ram:PayeePartyCreditorFinancialAccount>",
            esc(&iban)
        );
        let bic = digits(&emetteur.paiement.bic);
        if profile == Profile::En16931 && !bic.is_empty() {
            let _ = write!(
                x,
                "<ram:PayeeSpecifiedCreditorFinancialInstitution><ram:BICID>{}</ram:BICID></ram:PayeeSpecifiedCreditorFinancialInstitution>",
                esc(&bic)
            );
        }
        x.push_str("</ram:SpecifiedTradeSettlementPaymentMeans>");
    }
    vat_breakdown(x, appel);
    let _ = write!(
        x,
        "<ram:BillingSpecifiedPeriod><ram:StartDateTime><udt:DateTimeString format=\"102\">{}</udt:DateTimeString></ram:StartDateTime><ram:EndDateTime><udt:DateTimeString format=\"102\">{}</udt:DateTimeString></ram:EndDateTime></ram:BillingSpecifiedPeriod>",
        date(appel.periode_debut),
        date(appel.periode_fin)
    );
    payment_terms(x, appel, correction, emetteur);
    let t = &appel.totaux;
    let _ = write!(
        x,
        "<ram:SpecifiedTradeSettlementHeaderMonetarySummation><ram:LineTotalAmount>{ht}</ram:LineTotalAmount><ram:TaxBasisTotalAmount>{ht}</ram:TaxBasisTotalAmount><ram:TaxTotalAmount currencyID=\"EUR\">{tva}</ram:TaxTotalAmount><ram:GrandTotalAmount>{ttc}</ram:GrandTotalAmount><ram:DuePayableAmount>{ttc}</ram:DuePayableAmount></ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
        ht = amount(t.ht),
        tva = amount(t.tva),
        ttc = amount(t.ttc)
    );
    if let Some(c) = correction {
        // BG-3: the invoice this credit note corrects (BT-25, BT-26).
        let _ = write!(
            x,
            "<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>{}</ram:IssuerAssignedID><ram:FormattedIssueDateTime><qdt:DateTimeString format=\"102\">{}</qdt:DateTimeString></ram:FormattedIssueDateTime></ram:InvoiceReferencedDocument>",
            esc(&c.appel_numero),
            date(c.appel_date)
        );
    }
}

/// The VAT breakdown: one group per rate (or one « not subject » group).
fn vat_breakdown(x: &mut String, appel: &Appel) {
    let exempt = appel.totaux.tva.is_zero();
    let mut rates: Vec<Decimal> = appel
        .lignes
        .iter()
        .map(|l| l.taux_tva.normalize())
        .collect();
    rates.sort();
    rates.dedup();
    for rate in rates {
        let group = appel
            .lignes
            .iter()
            .filter(|l| l.taux_tva.normalize() == rate);
        let (basis, tax): (Montant, Montant) = group
            .fold((Montant::ZERO, Montant::ZERO), |(b, t), l| {
                (b + l.montant_ht, t + l.montant_tva)
            });
        let _ = write!(
            x,
            "<ram:ApplicableTradeTax><ram:CalculatedAmount>{}</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>",
            amount(tax)
        );
        if exempt {
            let reason = appel
                .mention_tva
                .as_deref()
                .unwrap_or("Non soumis à la TVA");
            element(x, "ExemptionReason", reason);
        }
        let _ = write!(x, "<ram:BasisAmount>{}</ram:BasisAmount>", amount(basis));
        if exempt {
            x.push_str("<ram:CategoryCode>O</ram:CategoryCode>");
        } else {
            let _ = write!(
                x,
                "<ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{rate}</ram:RateApplicablePercent>"
            );
        }
        x.push_str("</ram:ApplicableTradeTax>");
    }
}

/// The payment terms: the due date and its terms, or for a credit note
/// what it settles.
fn payment_terms(
    x: &mut String,
    appel: &Appel,
    correction: Option<&Correction>,
    emetteur: &Emetteur,
) {
    x.push_str("<ram:SpecifiedTradePaymentTerms>");
    if let Some(c) = correction {
        // BT-20 (BR-CO-25: terms or a due date when an amount is due).
        element(x, "Description", &c.modalites());
    } else {
        let terms = if emetteur.paiement.modalites.is_empty() {
            format!("Paiement à {} jours", emetteur.delai_paiement_jours)
        } else {
            emetteur.paiement.modalites.clone()
        };
        element(x, "Description", &terms);
        let _ = write!(
            x,
            "<ram:DueDateDateTime><udt:DateTimeString format=\"102\">{}</udt:DateTimeString></ram:DueDateDateTime>",
            date(appel.date_echeance)
        );
    }
    x.push_str("</ram:SpecifiedTradePaymentTerms>");
}

/// A line whose net amount is less than its quantity times its price (a
/// yearly item prorated for a mid-year join) carries the difference as a
/// line allowance (BG-27), so that EN 16931's line arithmetic holds
/// exactly: net (BT-131) = quantity (BT-129) × price (BT-146) − allowance
/// (BT-136). Quantity and price stay what the PDF prints.
fn line_allowance(x: &mut String, l: &Ligne) {
    let Some(gross) = Montant::line(l.quantite, l.prix_unitaire) else {
        return;
    };
    let Some(allowance) = gross.checked_add(-l.montant_ht) else {
        return;
    };
    if allowance.is_zero() || allowance.is_negative() {
        return;
    }
    let reason = match l.prorata {
        Some((n, 12)) => format!("Adhésion en cours d'exercice : prorata de {n}/12 mois"),
        Some((n, d)) => format!("Adhésion en cours d'exercice : prorata de {n}/{d} jours"),
        None => "Adhésion en cours d'exercice : prorata".to_string(),
    };
    let _ = write!(
        x,
        "<ram:SpecifiedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator><ram:ActualAmount>{}</ram:ActualAmount><ram:Reason>{}</ram:Reason></ram:SpecifiedTradeAllowanceCharge>",
        amount(allowance),
        esc(&reason)
    );
}

fn tax_line(x: &mut String, rate: Decimal, exempt: bool) {
    if exempt {
        x.push_str("<ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>O</ram:CategoryCode></ram:ApplicableTradeTax>");
    } else {
        let _ = write!(
            x,
            "<ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode><ram:RateApplicablePercent>{}</ram:RateApplicablePercent></ram:ApplicableTradeTax>",
            rate.normalize()
        );
    }
}

/// What `verify` compares of an embedded CII document with the manifest
/// and the ledger: the number (BT-1), the buyer's name (BT-44, escaped as
/// written) and SIRET (BT-47), and the grand total (BT-112).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub numero: String,
    pub nom_acheteur: String,
    pub siret_acheteur: String,
    pub total_ttc: String,
}

impl Facts {
    /// Whether `nom`, as the manifest records it, is the buyer's name.
    #[must_use]
    pub fn names(&self, nom: &str) -> bool {
        esc(nom) == self.nom_acheteur
    }
}

/// Reads `Facts` from a CII document of this writer; `None` when one of
/// them is not where the writer puts it.
#[must_use]
pub fn facts(xml: &str) -> Option<Facts> {
    let between = |from: &str, start: &str, end: &str| -> Option<String> {
        let at = xml.find(from)? + from.len();
        let rest = &xml[at..];
        let s = rest.find(start)? + start.len();
        let e = rest[s..].find(end)?;
        Some(rest[s..s + e].to_string())
    };
    Some(Facts {
        numero: between("<rsm:ExchangedDocument>", "<ram:ID>", "</ram:ID>")?,
        nom_acheteur: between("<ram:BuyerTradeParty>", "<ram:Name>", "</ram:Name>")?,
        siret_acheteur: between(
            "<ram:BuyerTradeParty>",
            "<ram:ID schemeID=\"0009\">",
            "</ram:ID>",
        )?,
        total_ttc: between(
            "<ram:SpecifiedTradeSettlementHeaderMonetarySummation>",
            "<ram:GrandTotalAmount>",
            "</ram:GrandTotalAmount>",
        )?,
    })
}
