//! CycloneDX XML, read as a stream of events (quick-xml): only the
//! component elements are descended into, everything else is skipped by
//! its end tag, so nothing but the kept fields is ever stored.
//!
//! The spec version comes from the namespace
//! (`http://cyclonedx.org/schema/bom/1.4`), as XML has no `specVersion`.

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

use crate::{Builder, Format, Found, MAX_DEPTH, Sbom, SbomError, check_cyclonedx_version};

const NAMESPACE: &str = "http://cyclonedx.org/schema/bom/";

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    b: Builder,
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Sbom, SbomError> {
    let text = std::str::from_utf8(bytes).map_err(|e| SbomError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let mut p = Parser {
        reader: Reader::from_str(text),
        b: Builder::default(),
    };
    let (version, empty) = p.root()?;
    check_cyclonedx_version(&version, "XML")?;
    if !empty {
        p.bom()?;
    }
    Ok(p.b.finish(Format::CycloneDxXml, version))
}

fn local(e: &BytesStart<'_>) -> String {
    let name = e.local_name();
    let s: &str = name.as_ref();
    s.to_owned()
}

impl<'a> Parser<'a> {
    fn error(&self, element: &str, message: impl Into<String>) -> SbomError {
        SbomError::Xml {
            element: element.to_owned(),
            offset: self.reader.buffer_position(),
            message: message.into(),
        }
    }

    fn xml_error(&self, element: &str, e: quick_xml::Error) -> SbomError {
        SbomError::Xml {
            element: element.to_owned(),
            offset: self.reader.error_position(),
            message: e.to_string(),
        }
    }

    fn next(&mut self, element: &str) -> Result<Event<'a>, SbomError> {
        self.reader
            .read_event()
            .map_err(|e| self.xml_error(element, e))
    }

    /// Skips an element whose start tag was just read.
    fn skip(&mut self, e: &BytesStart<'_>, element: &str) -> Result<(), SbomError> {
        self.reader
            .read_to_end(e.name())
            .map(|_| ())
            .map_err(|err| self.xml_error(element, err))
    }

    /// Reads up to the root element and returns the spec version and
    /// whether the root is an empty element (`<bom …/>`).
    fn root(&mut self) -> Result<(String, bool), SbomError> {
        loop {
            let event = self.next("/")?;
            let empty = matches!(event, Event::Empty(_));
            match event {
                Event::Start(e) | Event::Empty(e) => {
                    let name = local(&e);
                    let qname = e.name();
                    let raw: &str = qname.as_ref();
                    if name != "bom" {
                        if raw == "rdf:RDF" || raw.starts_with("spdx:") {
                            return Err(SbomError::Unsupported(
                                "SPDX RDF/XML: read are CycloneDX and SPDX 2.x JSON or tag-value"
                                    .into(),
                            ));
                        }
                        return Err(SbomError::NotSbom(format!(
                            "XML with root element <{raw}>, not a CycloneDX <bom>"
                        )));
                    }
                    for a in e.attributes().with_checks(false) {
                        let a = a.map_err(|err| self.error("/bom", err.to_string()))?;
                        let key: &str = a.key.as_ref();
                        if key == "xmlns" || key.starts_with("xmlns:") {
                            let value = a
                                .normalized_value(XmlVersion::Implicit1_0)
                                .map_err(|err| self.xml_error("/bom", err))?;
                            if let Some(v) = value.strip_prefix(NAMESPACE) {
                                return Ok((v.to_owned(), empty));
                            }
                        }
                    }
                    return Err(SbomError::NotSbom(
                        "XML <bom> without the CycloneDX namespace".into(),
                    ));
                }
                Event::Eof => return Err(SbomError::NotSbom("XML without a root element".into())),
                Event::Text(t) if !t.xml10_content().trim().is_empty() => {
                    return Err(self.error("/", "text before the root element"));
                }
                _ => {}
            }
        }
    }

    /// The children of `<bom>`: metadata and components are read, the rest
    /// skipped.
    fn bom(&mut self) -> Result<(), SbomError> {
        loop {
            match self.next("/bom")? {
                Event::Start(e) => match local(&e).as_str() {
                    "metadata" => self.metadata()?,
                    "components" => self.components("/bom/components", "components", None, 0)?,
                    _ => self.skip(&e, "/bom")?,
                },
                Event::End(_) => return Ok(()),
                Event::Eof => return Err(self.error("/bom", "document ends inside <bom>")),
                _ => {}
            }
        }
    }

    fn metadata(&mut self) -> Result<(), SbomError> {
        const HERE: &str = "/bom/metadata";
        loop {
            match self.next(HERE)? {
                Event::Start(e) if local(&e) == "component" => {
                    self.component(
                        &e,
                        "/bom/metadata/component",
                        "metadata.component".into(),
                        None,
                        0,
                        true,
                    )?;
                }
                Event::Start(e) => self.skip(&e, HERE)?,
                Event::End(_) => return Ok(()),
                Event::Eof => return Err(self.error(HERE, "document ends inside <metadata>")),
                _ => {}
            }
        }
    }

    /// A `<components>` list; `element` is its XML path for errors, `path`
    /// its JSON-style path for [`crate::Component::path`].
    fn components(
        &mut self,
        element: &str,
        path: &str,
        parent: Option<usize>,
        depth: usize,
    ) -> Result<(), SbomError> {
        let mut i = 0usize;
        loop {
            match self.next(element)? {
                Event::Start(e) if local(&e) == "component" => {
                    let child_element = format!("{element}/component[{}]", i + 1);
                    self.component(
                        &e,
                        &child_element,
                        format!("{path}[{i}]"),
                        parent,
                        depth,
                        false,
                    )?;
                    i += 1;
                }
                Event::Start(e) => self.skip(&e, element)?,
                Event::End(_) => return Ok(()),
                Event::Eof => return Err(self.error(element, "document ends inside <components>")),
                _ => {}
            }
        }
    }

    fn component(
        &mut self,
        start: &BytesStart<'_>,
        element: &str,
        path: String,
        parent: Option<usize>,
        depth: usize,
        subject: bool,
    ) -> Result<(), SbomError> {
        if depth >= MAX_DEPTH {
            return Err(SbomError::TooDeep {
                path: element.to_owned(),
                limit: MAX_DEPTH,
            });
        }
        let mut id = None;
        for a in start.attributes().with_checks(false) {
            let a = a.map_err(|err| self.error(element, err.to_string()))?;
            let key: &str = a.key.as_ref();
            if key == "bom-ref" {
                let v = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|err| self.xml_error(element, err))?;
                id = Some(v.into_owned());
            }
        }
        // Reserved now so that the component comes before its children
        // whatever order the producer wrote the elements in.
        let index = self.b.reserve();
        let (mut name, mut group, mut version, mut purl) = (None, None, None, None);
        loop {
            match self.next(element)? {
                Event::Start(e) => match local(&e).as_str() {
                    "name" => name = Some(self.text(element)?),
                    "group" => group = Some(self.text(element)?),
                    "version" => version = Some(self.text(element)?),
                    "purl" => purl = Some(self.text(element)?),
                    "components" => {
                        let list = format!("{element}/components");
                        self.components(
                            &list,
                            &format!("{path}.components"),
                            Some(index),
                            depth + 1,
                        )?;
                    }
                    _ => self.skip(&e, element)?,
                },
                Event::End(_) => break,
                Event::Eof => return Err(self.error(element, "document ends inside <component>")),
                _ => {}
            }
        }
        self.b.fill(
            index,
            Found {
                name: name.unwrap_or_default(),
                group,
                version,
                purls: purl.into_iter().collect(),
                id,
                path,
                parent,
                subject,
            },
        );
        Ok(())
    }

    /// The text of a simple element whose start tag was just read, entity
    /// and character references resolved, trimmed.
    fn text(&mut self, element: &str) -> Result<String, SbomError> {
        let mut out = String::new();
        loop {
            match self.next(element)? {
                Event::Text(t) => out.push_str(&t.xml10_content()),
                Event::CData(c) => out.push_str(&c.xml10_content()),
                Event::GeneralRef(r) => {
                    let ch = match r.resolve_char_ref() {
                        Ok(Some(ch)) => ch,
                        Ok(None) => {
                            let name: &str = &r;
                            match name {
                                "amp" => '&',
                                "lt" => '<',
                                "gt" => '>',
                                "quot" => '"',
                                "apos" => '\'',
                                other => {
                                    return Err(
                                        self.error(element, format!("unknown entity &{other};"))
                                    );
                                }
                            }
                        }
                        Err(e) => return Err(self.xml_error(element, e)),
                    };
                    out.push(ch);
                }
                Event::Start(e) => self.skip(&e, element)?,
                Event::End(_) => return Ok(out.trim().to_owned()),
                Event::Eof => return Err(self.error(element, "document ends inside an element")),
                _ => {}
            }
        }
    }
}
