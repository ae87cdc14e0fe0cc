// SpiffWorkflow names a multi-instance collection by a plain variable name
// in loopDataInputRef/loopDataOutputRef, which BPMN treats as a reference to
// a data element's id. bpmn-moddle drops references it cannot resolve, so
// on import each unresolved one is replaced by a detached data element with
// that id: it writes back the same name and nothing else.
const DATA_REFERENCES = {
  "bpmn:loopDataInputRef": "bpmn:DataInput",
  "bpmn:loopDataOutputRef": "bpmn:DataOutput",
};

export function keepDataReferences(modeler) {
  modeler.on("import.parse.complete", (event) => {
    const { elementsById, references } = event;
    if (!references) {
      return;
    }
    const moddle = modeler.get("moddle");
    for (const reference of references) {
      const type = DATA_REFERENCES[reference.property];
      if (type && !elementsById[reference.id]) {
        const name = reference.property.replace(/^bpmn:/, "");
        reference.element.set(
          name,
          moddle.create(type, { id: reference.id, name: reference.id }),
        );
      }
    }
  });
}

/** Whether bpmn-moddle's `warning` is about a reference repaired above. */
export function isRepairedWarning(warning) {
  return (
    Boolean(DATA_REFERENCES[warning.property]) &&
    /^unresolved reference/.test(warning.message)
  );
}
