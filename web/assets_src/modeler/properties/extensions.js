// Read and write spiffworkflow extension elements through bpmn-js commands,
// so every edit in the properties panel can be undone.

/** The first extension element of `type` under `owner`, or undefined. */
export function findExtension(owner, type) {
  const extensions = owner && owner.get("extensionElements");
  return ((extensions && extensions.get("values")) || []).find((value) =>
    value.$instanceOf(type),
  );
}

/** The value of a `spiffworkflow:property` of a task, or "". */
export function readProperty(owner, name) {
  const properties = findExtension(owner, "spiffworkflow:Properties");
  const property = properties &&
    properties.get("values").find((value) => value.name === name);
  return (property && property.value) || "";
}

/** The body of a text extension element such as messageVariable, or "". */
export function readText(owner, type) {
  const found = findExtension(owner, type);
  return (found && found.value) || "";
}

/**
 * Edits of one diagram element's extensions.
 *
 * `owner` is the moddle object holding the extensionElements: the element's
 * business object, or for messages its event definition.
 */
export class ExtensionEditor {
  constructor(injector) {
    this.bpmnFactory = injector.get("bpmnFactory");
    this.modeling = injector.get("modeling");
  }

  update(element, target, properties) {
    this.modeling.updateModdleProperties(element, target, properties);
  }

  /** The extensionElements of `owner`, created when missing. */
  extensionElements(element, owner) {
    let extensions = owner.get("extensionElements");
    if (!extensions) {
      extensions = this.bpmnFactory.create("bpmn:ExtensionElements", {
        values: [],
      });
      extensions.$parent = owner;
      this.update(element, owner, { extensionElements: extensions });
    }
    return extensions;
  }

  /** The extension element of `type`, created empty when missing. */
  ensure(element, owner, type, attributes = {}) {
    const found = findExtension(owner, type);
    if (found) {
      return found;
    }
    const extensions = this.extensionElements(element, owner);
    const created = this.bpmnFactory.create(type, attributes);
    created.$parent = extensions;
    this.update(element, extensions, {
      values: [...extensions.get("values"), created],
    });
    return created;
  }

  /** Remove the extension element `value` from `owner`. */
  remove(element, owner, value) {
    const extensions = owner.get("extensionElements");
    this.update(element, extensions, {
      values: extensions.get("values").filter((item) => item !== value),
    });
  }

  /** Set (or with an empty value, remove) a text extension element. */
  setText(element, owner, type, value) {
    const found = findExtension(owner, type);
    if (!value) {
      if (found) {
        this.remove(element, owner, found);
      }
      return;
    }
    const target = found || this.ensure(element, owner, type);
    this.update(element, target, { value });
  }

  /** Set (or with an empty value, remove) a `spiffworkflow:property`. */
  setProperty(element, owner, name, value) {
    const properties = findExtension(owner, "spiffworkflow:Properties");
    const current = properties &&
      properties.get("values").find((item) => item.name === name);
    if (!value) {
      if (current) {
        this.update(element, properties, {
          values: properties.get("values").filter((item) => item !== current),
        });
      }
      return;
    }
    if (current) {
      this.update(element, current, { value });
      return;
    }
    const container = this.ensure(element, owner, "spiffworkflow:Properties", {
      values: [],
    });
    const created = this.bpmnFactory.create("spiffworkflow:Property", {
      name,
      value,
    });
    created.$parent = container;
    this.update(element, container, {
      values: [...container.get("values"), created],
    });
  }
}
