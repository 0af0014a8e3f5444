//! String normalisation for the default string match: "insensitive to casing and included
//! combining characters, like accents or other diacritical marks" ([R4 search,
//! string](https://hl7.org/fhir/R4/search.html#string)).
//!
//! Without a Unicode normalisation table in the workspace, accents are removed for the
//! precomposed letters of Latin-1 Supplement and Latin Extended-A (U+00C0–U+017F) and for every
//! combining mark of the combining blocks, so `José`, `JOSE` and `Jose\u{301}` all read `jose`.
//! Letters of other scripts are only lower-cased. Runs of whitespace count as one space.

/// Precomposed Latin letters and their base letter, in pairs.
const LATIN: &str = "ÀAÁAÂAÃAÄAÅAÇCÈEÉEÊEËEÌIÍIÎIÏIÐDÑNÒOÓOÔOÕOÖOØOÙUÚUÛUÜUÝY\
àaáaâaãaäaåaçcèeéeêeëeìiíiîiïiðdñnòoóoôoõoöoøoùuúuûuüuýyÿy\
ĀAāaĂAăaĄAąaĆCćcĈCĉcĊCċcČCčcĎDďdĐDđdĒEēeĔEĕeĖEėeĘEęeĚEěeĜGĝgĞGğgĠGġgĢGģgĤHĥhĦHħh\
ĨIĩiĪIīiĬIĭiĮIįiİIıiĴJĵjĶKķkĹLĺlĻLļlĽLľlĿLŀlŁLłlŃNńnŅNņnŇNňnŌOōoŎOŏoŐOőoŔRŕrŖRŗrŘRřr\
ŚSśsŜSŝsŞSşsŠSšsŢTţtŤTťtŦTŧtŨUũuŪUūuŬUŭuŮUůuŰUűuŲUųuŴWŵwŶYŷyŸYŹZźzŻZżzŽZžz";

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

fn base_letter(c: char) -> Option<char> {
    if !('\u{C0}'..='\u{17F}').contains(&c) {
        return None;
    }
    let mut it = LATIN.chars();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        if k == c {
            return Some(v);
        }
    }
    None
}

/// The case- and accent-folded form of `text`, appended to `out`.
pub(crate) fn normalize_into(text: &str, out: &mut String) {
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if is_combining(c) {
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        let c = base_letter(c).unwrap_or(c);
        out.extend(c.to_lowercase());
    }
}

/// The case- and accent-folded form of `text`.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_spaces() {
        assert_eq!(normalize("José"), "jose");
        assert_eq!(normalize("JOSE"), "jose");
        assert_eq!(normalize("Jose\u{301}"), "jose");
        assert_eq!(normalize("  Carreño   Quiñones "), "carreno quinones");
        assert_eq!(normalize("Łódź"), "lodz");
        assert_eq!(normalize("ΑΒΓ"), "αβγ");
        assert_eq!(normalize("Straße"), "straße");
    }
}
