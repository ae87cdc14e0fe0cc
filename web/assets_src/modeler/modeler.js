// window.EkModeler: bpmn-js Modeler with the properties panel, the engine's
// own property groups, bpmnlint on the canvas and token simulation.
import lintModule from "bpmn-js-bpmnlint";
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import TokenSimulationModule from "bpmn-js-token-simulation";

import { isRepairedWarning, keepDataReferences } from "./data-references";
import { flattenIssues, linterConfig } from "./lint-config";
import { ProblemOverlays, highlightPath } from "./markers";
import engineProperties from "./properties/provider";
import spiffworkflow from "./spiffworkflow.json";
import translateModule from "./translate";

const EMPTY_DIAGRAM = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="definitions" targetNamespace="https://ekerjasama.grobogan.go.id/bpmn">
  <bpmn:process id="proses_baru" isExecutable="true">
    <bpmn:startEvent id="mulai" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="proses_baru">
      <bpmndi:BPMNShape id="mulai_di" bpmnElement="mulai">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;

/** Milliseconds without edits before the server lints the diagram. */
const SERVER_LINT_DELAY = 600;

class ModelerHandle {
  constructor(modeler, options) {
    this.modeler = modeler;
    this.serverLint = options.serverLint || null;
    this.problems = new ProblemOverlays(modeler);
    this.serverRun = 0;
    this.serverTimer = null;
    this.simulating = false;
    modeler.on("tokenSimulation.toggleMode", (event) => {
      this.simulating = event.active;
    });
    this.onEdit(() => this.scheduleServerCheck());
  }

  /** Load a diagram; returns bpmn-js's import warnings. */
  async importXML(xml) {
    const result = await this.modeler.importXML(xml || EMPTY_DIAGRAM);
    this.modeler.get("canvas").zoom("fit-viewport");
    this.checkOnServer();
    return result.warnings.filter((warning) => !isRepairedWarning(warning));
  }

  async saveXML() {
    const { xml } = await this.modeler.saveXML({ format: true });
    return xml;
  }

  /** Run bpmnlint now; resolves to [{element, message, severity, rule}]. */
  async lint() {
    return flattenIssues(await this.modeler.get("linting").lint());
  }

  showProblems(problems) {
    return this.problems.show(problems);
  }

  /** Call `callback` after every edit (not after imports). */
  on(event, callback) {
    if (event !== "changed") {
      throw new Error(`Unknown modeler event "${event}"; use "changed".`);
    }
    this.onEdit(() => callback(this));
  }

  onEdit(callback) {
    // Importing a diagram clears the command stack, which is no edit.
    this.modeler.on("commandStack.changed", (event) => {
      if (event.trigger !== "clear") {
        callback();
      }
    });
  }

  /** Switch token simulation on or off (or to `active`); returns the state. */
  toggleSimulation(active) {
    this.modeler.get("toggleMode").toggleMode(active);
    return this.simulating;
  }

  highlightPath(nodes, flows) {
    highlightPath(this.modeler, nodes, flows);
  }

  /** The bpmn-js service `name`, for page code that needs more. */
  get(name) {
    return this.modeler.get(name);
  }

  destroy() {
    this.modeler.destroy();
  }

  /** Check on the server once the designer pauses drawing. */
  scheduleServerCheck() {
    clearTimeout(this.serverTimer);
    this.serverTimer = setTimeout(() => this.checkOnServer(), SERVER_LINT_DELAY);
  }

  /** Ask the server for its problems; only the newest answer is shown. */
  async checkOnServer() {
    if (!this.serverLint) {
      return;
    }
    const run = ++this.serverRun;
    let problems;
    try {
      problems = await this.serverLint(await this.saveXML());
    } catch (error) {
      // The page reports failed requests itself; keep the last problems.
      console.warn("Server lint failed:", error);
      return;
    }
    if (run === this.serverRun) {
      this.showProblems(problems);
    }
  }
}

/**
 * Open a modeler in `container`. Options:
 *
 *   xml                the diagram (a new one with a start event if none)
 *   propertiesElement  where the properties panel goes
 *   roles, forms, operators, processes
 *                      the names the panel offers for lanes, user task
 *                      forms, service operators and called processes
 *   serverLint         async (xml) => [{element, message, severity}],
 *                      called after each pause in editing; shown as badges
 *   lintConfig         bpmnlint configuration (processes/.bpmnlintrc);
 *                      bpmnlint's recommended rules when missing
 *   translations       {English text: text in the page's language}
 */
export async function createModeler(container, options = {}) {
  const modeler = new BpmnModeler({
    container,
    propertiesPanel: options.propertiesElement
      ? { parent: options.propertiesElement }
      : {},
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      engineProperties,
      lintModule,
      TokenSimulationModule,
      translateModule,
    ],
    moddleExtensions: { spiffworkflow },
    linting: { bpmnlint: linterConfig(options.lintConfig), active: true },
    studio: { translations: options.translations },
    engineProperties: {
      roles: options.roles,
      forms: options.forms,
      operators: options.operators,
      processes: options.processes,
    },
  });
  keepDataReferences(modeler);
  const handle = new ModelerHandle(modeler, options);
  await handle.importXML(options.xml);
  return handle;
}
