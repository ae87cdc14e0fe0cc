"""Compare two BPMN documents by meaning, not by bytes.

A modeler rewrites a diagram when it saves it: other namespace prefixes,
other indentation, elements in another order, shapes at new coordinates.
None of that changes what the engine runs. :func:`differences` reads both
documents into a flat model, one entry per element with an ``id`` (its tag,
attributes, text and the elements without ids below it), and lists every
way the two models differ. Diagram interchange (``bpmndi``) is left out.
"""

from __future__ import annotations

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
#: BPMN attributes at their default value mean the same as no attribute;
#: a modeler may write or leave out either.
DEFAULTS = {
    "behavior": "All",
    "cancelActivity": "true",
    "cancelRemainingInstances": "true",
    "completionQuantity": "1",
    "eventGatewayType": "Exclusive",
    "expressionLanguage": "http://www.w3.org/1999/XPath",
    "gatewayDirection": "Unspecified",
    "instantiate": "false",
    "isCollection": "false",
    "isForCompensation": "false",
    "isInterrupting": "true",
    "isSequential": "false",
    "parallelMultiple": "false",
    "startQuantity": "1",
    "testBefore": "false",
    "textFormat": "text/plain",
    "triggeredByEvent": "false",
    "typeLanguage": "http://www.w3.org/2001/XMLSchema",
    "waitForCompletion": "true",
}

Entry = dict[str, object]


def semantic_model(xml: str | bytes) -> dict[str, Entry]:
    """Map every element id in the document to what it means."""
    if isinstance(xml, str):
        xml = xml.encode()
    root = etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))
    model: dict[str, Entry] = {}
    _collect(root, model)
    return model


def differences(expected: str | bytes, actual: str | bytes) -> list[str]:
    """Every difference in meaning between two documents, as sentences."""
    old = semantic_model(expected)
    new = semantic_model(actual)
    found = [f"{_name(old[i])} is missing." for i in sorted(old.keys() - new.keys())]
    found += [f"{_name(new[i])} was added." for i in sorted(new.keys() - old.keys())]
    for key in sorted(old.keys() & new.keys()):
        for field in ("tag", "attributes", "text", "content", "children"):
            if old[key][field] != new[key][field]:
                found.append(
                    f"{_name(old[key])}: {field} was {old[key][field]!r}, "
                    f"is {new[key][field]!r}."
                )
    return found


def _collect(element, model: dict[str, Entry]) -> None:
    if _skipped(element):
        return
    element_id = element.get("id")
    if element_id is not None and not _is_extension(element):
        model[element_id] = {
            "tag": element.tag,
            "attributes": _attributes(element),
            "text": _text(element),
            "content": sorted(
                _canonical(child) for child in element if _anonymous(child)
            ),
            "children": sorted(
                (child.tag, child.get("id"))
                for child in element
                if not _skipped(child) and not _anonymous(child)
            ),
        }
    for child in element:
        _collect(child, model)


def _skipped(element) -> bool:
    return not isinstance(element.tag, str) or element.tag.startswith(f"{{{BPMNDI}}}")


def _is_extension(element) -> bool:
    """Ids on extension elements (an operator's name) are values, not ids."""
    return any(
        ancestor.tag.endswith("}extensionElements")
        for ancestor in element.iterancestors()
    )


def _anonymous(element) -> bool:
    if _skipped(element):
        return False
    return element.get("id") is None or _is_extension(element)


def _attributes(element) -> dict[str, str]:
    attributes = {}
    for name, value in element.attrib.items():
        if value == "" or DEFAULTS.get(name) == value:
            continue
        if name == XSI_TYPE and value.endswith("tFormalExpression"):
            # The engine reads every expression as text; the modeler marks
            # them formal expressions, which changes nothing.
            continue
        attributes[name] = value
    return attributes


def _text(element) -> str:
    return (element.text or "").strip()


def _canonical(element) -> str:
    """One string for an element without an id and everything inside it."""
    children = sorted(_canonical(child) for child in element if not _skipped(child))
    return repr(
        (_tag(element), sorted(_attributes(element).items()), _text(element), children)
    )


def _tag(element) -> str:
    # bpmn-js writes a correlation's message path as a formalExpression
    # element; SpiffWorkflow reads either as the message path.
    parent = element.getparent()
    if (
        element.tag == f"{{{BPMN}}}formalExpression"
        and parent is not None
        and parent.tag == f"{{{BPMN}}}correlationPropertyRetrievalExpression"
    ):
        return f"{{{BPMN}}}messagePath"
    return element.tag


def _name(entry: Entry) -> str:
    tag = str(entry["tag"]).rpartition("}")[2]
    attributes = entry["attributes"]
    label = f"{tag} {attributes.get('id')!r}"
    if attributes.get("name"):
        label += f" ({attributes['name']})"
    return label
