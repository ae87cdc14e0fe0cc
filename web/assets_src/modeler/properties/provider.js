// Properties panel groups for everything the e-Kerjasama engine reads from
// a diagram, added after bpmn-js-properties-panel's own BPMN groups.
import { getBusinessObject } from "bpmn-js/lib/util/ModelUtil";

import { ExtensionEditor } from "./extensions";
import { flowGroups } from "./flow-groups";
import { messageGroups } from "./message-group";
import { multiInstanceGroups } from "./multi-instance-group";
import { taskGroups } from "./task-groups";

const LOW_PRIORITY = 400;

class EngineProperties {
  constructor(propertiesPanel, injector, config) {
    this.injector = injector;
    this.options = {
      roles: (config && config.roles) || [],
      forms: (config && config.forms) || [],
      operators: (config && config.operators) || [],
      processes: (config && config.processes) || [],
    };
    this.editor = new ExtensionEditor(injector);
    propertiesPanel.registerProvider(LOW_PRIORITY, this);
  }

  getGroups(element) {
    return (groups) => [...groups, ...this.engineGroups(element)];
  }

  engineGroups(element) {
    const injector = this.injector;
    const context = {
      element,
      bo: getBusinessObject(element),
      options: this.options,
      editor: this.editor,
      modeling: injector.get("modeling"),
      bpmnFactory: injector.get("bpmnFactory"),
      debounce: injector.get("debounceInput"),
      translate: injector.get("translate"),
      definitions: injector.get("bpmnjs").getDefinitions(),
    };
    return [
      ...taskGroups(context),
      ...flowGroups(context),
      ...messageGroups(context),
      ...multiInstanceGroups(context),
    ];
  }
}

EngineProperties.$inject = ["propertiesPanel", "injector", "config.engineProperties"];

export default {
  __init__: ["engineProperties"],
  engineProperties: ["type", EngineProperties],
};
