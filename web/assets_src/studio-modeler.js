// Entry of the studio-modeler bundle: window.EkModeler and window.EkViewer.
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css";
import "@bpmn-io/properties-panel/dist/assets/properties-panel.css";
import "bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css";
import "bpmn-js-token-simulation/assets/css/bpmn-js-token-simulation.css";
import "./modeler/markers.css";

import { createModeler } from "./modeler/modeler";
import { createViewer } from "./modeler/viewer";

window.EkModeler = { create: createModeler };
window.EkViewer = { create: createViewer };
