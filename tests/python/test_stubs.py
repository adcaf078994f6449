"""The type stubs (cposdk/__init__.pyi) name exactly what the module defines: every public
class, function and member, and nothing it lacks."""
import ast
import inspect
import pathlib

import cposdk

STUBS = pathlib.Path(cposdk.__file__).with_name("__init__.pyi")


def stub_tree():
    classes, functions = {}, set()
    for node in ast.parse(STUBS.read_text()).body:
        if isinstance(node, ast.ClassDef):
            members = set()
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    members.add(item.name)
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    members.add(item.target.id)
            classes[node.name] = members
        elif isinstance(node, ast.FunctionDef):
            functions.add(node.name)
    return classes, functions


def public(names):
    return {n for n in names if not n.startswith("_") or n in ("__iter__", "__next__", "__enter__", "__exit__")}


def test_stubs_list_every_public_name_of_the_module():
    classes, functions = stub_tree()
    module_classes = {n for n, v in vars(cposdk).items() if inspect.isclass(v) and not n.startswith("_")}
    module_functions = {n for n, v in vars(cposdk).items() if callable(v) and not inspect.isclass(v)
                        and not n.startswith("_") and not inspect.ismodule(v)}
    assert set(classes) == module_classes
    assert functions == module_functions


def test_stubs_list_every_member_of_each_class():
    classes, _ = stub_tree()
    errors = {"code", "exit_code", "message"}
    for name, members in classes.items():
        cls = getattr(cposdk, name)
        if issubclass(cls, cposdk.Error):
            assert members <= errors, name
            continue
        actual = public(n for n in dir(cls) if n not in dir(object) or n in ("__iter__", "__next__"))
        actual -= {"__enter__", "__exit__"} - members  # only where the class has them
        assert members == actual, f"{name}: stubs {sorted(members - actual)} vs module {sorted(actual - members)}"


def test_every_binding_has_a_docstring_or_a_stub_comment():
    for name in ("open", "exit_code"):
        assert getattr(cposdk, name).__doc__
    for cls in (cposdk.Switch, cposdk.Laser, cposdk.Subscription, cposdk.Error):
        assert cls.__doc__
