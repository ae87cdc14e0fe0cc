// window.EkViewer: a read-only diagram of a deployed version or a diff.
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";

import { highlightPath, markCounts } from "./markers";
import spiffworkflow from "./spiffworkflow.json";

class ViewerHandle {
  constructor(viewer) {
    this.viewer = viewer;
  }

  async importXML(xml) {
    const result = await this.viewer.importXML(xml);
    this.viewer.get("canvas").zoom("fit-viewport");
    return result.warnings;
  }

  highlightPath(nodes, flows) {
    highlightPath(this.viewer, nodes, flows);
  }

  markers(counts) {
    return markCounts(this.viewer, counts);
  }

  destroy() {
    this.viewer.destroy();
  }
}

export async function createViewer(container, options = {}) {
  const viewer = new NavigatedViewer({
    container,
    moddleExtensions: { spiffworkflow },
  });
  const handle = new ViewerHandle(viewer);
  if (options.xml) {
    await handle.importXML(options.xml);
  }
  return handle;
}
