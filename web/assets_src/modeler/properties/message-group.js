// Message data of events and tasks: the variable a caught message lands in,
// the payload a thrown message carries, and the correlation that routes a
// message to the right instance (a bpmn:correlationProperty whose retrieval
// expression for this message gives the key).
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

import { group, textArea, textField } from "./entries";
import { readText } from "./extensions";

const CATCHES = [
  "bpmn:StartEvent",
  "bpmn:IntermediateCatchEvent",
  "bpmn:BoundaryEvent",
  "bpmn:ReceiveTask",
];

export function messageGroups(context) {
  const { element } = context;
  const owner = messageOwner(element);
  if (!owner) {
    return [];
  }
  const catches = CATCHES.some((type) => is(element, type));
  const type = catches
    ? "spiffworkflow:MessageVariable"
    : "spiffworkflow:MessagePayload";
  const entries = [
    textArea(context, {
      id: "ek-messageData",
      label: catches
        ? "Store the message in variable"
        : "Payload (Python expression)",
      get: () => readText(owner, type),
      set: (value) => context.editor.setText(element, owner, type, value),
    }),
    ...correlationEntries(context, owner),
  ];
  return [group(context, "ek-message", "Message data", entries)];
}

/** The moddle object that names the message: event definition or task. */
function messageOwner(element) {
  const bo = getBusinessObject(element);
  if (is(element, "bpmn:ReceiveTask") || is(element, "bpmn:SendTask")) {
    return bo;
  }
  const definitions = bo.get("eventDefinitions") || [];
  return definitions.find((definition) =>
    is(definition, "bpmn:MessageEventDefinition"),
  );
}

function correlationEntries(context, owner) {
  const { element, editor, bpmnFactory, definitions } = context;
  const message = () => owner.get("messageRef");
  const current = () => findCorrelation(definitions, message());

  function setProperty(name) {
    const found = current();
    const path = found && found.retrieval.get("messagePath");
    if (found) {
      editor.update(element, found.property, {
        correlationPropertyRetrievalExpression: found.property
          .get("correlationPropertyRetrievalExpression")
          .filter((item) => item !== found.retrieval),
      });
    }
    if (!name || !message()) {
      return;
    }
    const property = correlationProperty(context, name);
    const retrieval = bpmnFactory.create(
      "bpmn:CorrelationPropertyRetrievalExpression",
      {
        messageRef: message(),
        messagePath: bpmnFactory.create("bpmn:FormalExpression", {
          body: (path && path.get("body")) || "",
        }),
      },
    );
    retrieval.$parent = property;
    editor.update(element, property, {
      correlationPropertyRetrievalExpression: [
        ...property.get("correlationPropertyRetrievalExpression"),
        retrieval,
      ],
    });
  }

  function setExpression(body) {
    const found = current();
    if (!found) {
      return;
    }
    editor.update(element, found.retrieval, {
      messagePath: bpmnFactory.create("bpmn:FormalExpression", { body }),
    });
  }

  return [
    textField(context, {
      id: "ek-correlationProperty",
      label: "Correlation property",
      description: "Choose a message first; the same name joins messages.",
      get: () => {
        const found = current();
        return found ? found.property.get("name") || found.property.id : "";
      },
      set: setProperty,
    }),
    textArea(context, {
      id: "ek-correlationExpression",
      label: "Correlation key (Python expression on the message)",
      get: () => {
        const found = current();
        const path = found && found.retrieval.get("messagePath");
        return (path && path.get("body")) || "";
      },
      set: setExpression,
    }),
  ];
}

function findCorrelation(definitions, message) {
  if (!message) {
    return null;
  }
  for (const property of correlationProperties(definitions)) {
    for (const retrieval of property.get(
      "correlationPropertyRetrievalExpression",
    )) {
      if (retrieval.get("messageRef") === message) {
        return { property, retrieval };
      }
    }
  }
  return null;
}

function correlationProperties(definitions) {
  return definitions
    .get("rootElements")
    .filter((root) => is(root, "bpmn:CorrelationProperty"));
}

/** The correlation property named `name`, created in the definitions. */
function correlationProperty(context, name) {
  const { element, editor, bpmnFactory, definitions } = context;
  const existing = correlationProperties(definitions).find(
    (property) => property.get("name") === name || property.id === name,
  );
  if (existing) {
    return existing;
  }
  const created = bpmnFactory.create("bpmn:CorrelationProperty", {
    id: name.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^(?![A-Za-z_])/, "_"),
    name,
    correlationPropertyRetrievalExpression: [],
  });
  created.$parent = definitions;
  editor.update(element, definitions, {
    rootElements: [...definitions.get("rootElements"), created],
  });
  return created;
}
