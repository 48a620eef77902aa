"""Sphinx extension: framework-tagged notebook cells become synced sphinx-design tabs.

MyST-NB renders each code cell as a docutils ``container`` with
``nb_element="cell_code"`` and the cell's metadata in ``cell_metadata``.  This
transform finds runs of consecutive cells tagged ``pytorch``/``mxnet``/
``tensorflow`` (split further where ``metadata.d2l_tab_group`` changes) and
moves each run into the node shape that sphinx-design's ``tab-set`` /
``tab-item`` directives produce, with labels in sync group ``framework``.
sphinx-design then renders them as synced tabs whose choice is remembered in
the browser's localStorage.

Every tab set gets all three tabs in a fixed order, so choosing a framework
always has a tab to switch to; a group without a cell for some framework shows
a short note in that tab.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms import SphinxTransform

FRAMEWORKS = ("pytorch", "mxnet", "tensorflow")
LABELS = {"pytorch": "PyTorch", "mxnet": "MXNet", "tensorflow": "TensorFlow"}
SYNC_GROUP = "framework"
GROUP_KEY = "d2l_tab_group"


def cell_frameworks(node) -> tuple[str, ...]:
    """The frameworks a rendered notebook cell is tagged with (empty if not a tagged cell)."""
    if not isinstance(node, nodes.container) or node.get("nb_element") != "cell_code":
        return ()
    tags = node.get("cell_metadata", {}).get("tags", []) or []
    return tuple(fw for fw in FRAMEWORKS if fw in tags)


def _component(name: str, classes, children=(), **attributes) -> nodes.container:
    # The same shape as sphinx_design.shared.create_component.
    node = nodes.container("", is_div=True, design_component=name, classes=list(classes),
                           **attributes)
    node.extend(children)
    return node


def make_tab_set(cells) -> nodes.container:
    """A sphinx-design tab set with one synced tab per framework holding its cells."""
    tab_set = _component("tab-set", ["sd-tab-set", "d2l-framework-tabs"])
    tab_set.source, tab_set.line = cells[0].source, cells[0].line
    for index, fw in enumerate(FRAMEWORKS):
        label = nodes.rubric(LABELS[fw], nodes.Text(LABELS[fw]), classes=["sd-tab-label"])
        label["sync_group"] = SYNC_GROUP
        label["sync_id"] = fw
        mine = [cell for cell in cells if fw in cell_frameworks(cell)]
        if mine:
            body = [cell if len(cell_frameworks(cell)) == 1 else cell.deepcopy() for cell in mine]
        else:
            body = [nodes.paragraph("", f"This step has no {LABELS[fw]} code.",
                                    classes=["d2l-no-code"])]
        content = _component("tab-content", ["sd-tab-content"], body)
        item = _component("tab-item", ["sd-tab-item"], [label, content], selected=index == 0)
        item.source, item.line = tab_set.source, tab_set.line
        tab_set += item
    return tab_set


class FrameworkTabs(SphinxTransform):
    """Group consecutive framework-tagged cells into synced tab sets."""

    default_priority = 100  # early: later transforms and post-transforms see the tabs

    def apply(self, **kwargs) -> None:
        parents = []
        for cell in self.document.findall(lambda n: bool(cell_frameworks(n))):
            if cell.parent is not None and all(p is not cell.parent for p in parents):
                parents.append(cell.parent)
        for parent in parents:
            self._group_children(parent)

    @staticmethod
    def _group_children(parent) -> None:
        children, run, run_key = [], [], None

        def flush():
            if run:
                children.append(make_tab_set(list(run)))
                run.clear()

        for child in list(parent.children):
            if not cell_frameworks(child):
                flush()
                children.append(child)
                continue
            key = child.get("cell_metadata", {}).get(GROUP_KEY)
            if run and key != run_key:
                flush()
            run.append(child)
            run_key = key
        flush()
        parent.children = []
        parent.extend(children)


def setup(app):
    app.setup_extension("sphinx_design")
    app.add_transform(FrameworkTabs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
