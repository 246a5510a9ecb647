"""What a workflow's jobs call: a static reference graph over a package's syntax trees.

Used by ``test_recorded_reproduction.py`` to find the code that defines the recorded
reproduction's numbers, from the entry points of its jobs, instead of a list kept by hand.

A *definition* is a top-level function, a class (its header: decorators, bases and every
class-body statement that is not a method), a method (``Class.method``), or a module-level
assignment of a module of the package; ``<module>`` stands for the statements a module runs
on import that define nothing by name (``if``/``try`` blocks, calls).  Keys are
``module:qualname``.

From a reached definition, every name it uses is resolved the way Python resolves it, through
the module's own definitions and its imports (``import x``, ``from x import y``, relative
imports, re-exports in ``__init__``), and ``module.name`` / ``Class.name`` attribute chains
are followed.  Conservative rules:

* a class reached by name (called, subclassed, named in ``isinstance``) is reached whole:
  header and every method, since any method may be called on its instances; its package
  bases are reached through the header;
* ``self.name`` / ``cls.name`` in a method reaches the method ``name`` of its class (or of a
  package base class); other attributes of objects are not followed (the objects' classes
  are reached where they are made);
* a module reached by name other than in ``module.name`` (passed as a value, given to
  ``getattr``), a ``module.name`` that the module does not define, and ``from x import *``
  reach the whole module;
* reaching any definition of a module reaches its ``<module>`` statements (they run on import);
* imports by computed name (``importlib.import_module``, the registry's search for its
  built-in classes) are not followed: the classes a config names are roots of their own.

Names from outside the package (numpy, the standard library) end the walk; what they are is
part of each definition's meaning (:meth:`Package.meaning`), so rebinding a name to another
library's function changes the definition.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

TOP = "<module>"


def _strip_docstrings(node: ast.AST) -> ast.AST:
    """``node`` with the docstrings of every function and class inside it removed."""
    for sub in ast.walk(node):
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            first = sub.body[0] if sub.body else None
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                sub.body = sub.body[1:] or [ast.Pass()]
    return node


def _bound_names(stmt: ast.stmt) -> list[str]:
    """The module-level names an assignment statement binds."""
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    #: qualname → the syntax of that definition (docstrings stripped)
    defs: dict[str, ast.AST] = field(default_factory=dict)
    #: local name → ("module", module) | ("from", module, name) | ("external", dotted)
    imports: dict[str, tuple] = field(default_factory=dict)
    #: class name → its methods' names
    methods: dict[str, list[str]] = field(default_factory=dict)
    star: list[str] = field(default_factory=list)


def _define(module: Module, key: str, node: ast.AST) -> None:
    """Bind ``key`` to ``node``; a name bound twice (``X = ...`` then ``X += ...``, a
    property's getter and setter) is both statements."""
    old = module.defs.get(key)
    if old is None:
        module.defs[key] = node
    else:
        module.defs[key] = ast.Module(body=[*(old.body if isinstance(old, ast.Module) else [old]), node])


class Package:
    """The modules of package ``name`` under ``root`` (``root/name/**.py``), parsed."""

    def __init__(self, root: str | Path, name: str, extra: dict[str, str] | None = None):
        """``extra``: more modules, name → source text (the workflow's scripts, its rules'
        parameters); they may import the package."""
        self.root = Path(root)
        self.name = name
        self.modules: dict[str, Module] = {}
        found = []
        for path in sorted((self.root / name).rglob("*.py")):
            parts = path.relative_to(self.root).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            found.append((".".join(parts[:-1] if is_package else parts), path, is_package, None))
        found += [(module, Path(module), False, text) for module, text in (extra or {}).items()]
        self.known = {f[0] for f in found}  # every module's name, before any import is bound
        for args in found:
            self._add(*args)

    # --- parsing -------------------------------------------------------------------

    def _add(self, modname: str, path: Path, is_package: bool, text: str | None = None) -> None:
        module = Module(modname, path, is_package)
        text = path.read_text(encoding="utf-8") if text is None else text
        tree = _strip_docstrings(ast.parse(text, filename=str(path)))
        top: list[ast.stmt] = []
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                _define(module, stmt.name, stmt)
            elif isinstance(stmt, ast.ClassDef):
                methods = [s for s in stmt.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
                header = ast.ClassDef(
                    name=stmt.name,
                    bases=stmt.bases,
                    keywords=stmt.keywords,
                    body=[s for s in stmt.body if s not in methods] or [ast.Pass()],
                    decorator_list=stmt.decorator_list,
                    type_params=getattr(stmt, "type_params", []),
                )
                _define(module, stmt.name, header)
                module.methods[stmt.name] = list(dict.fromkeys(m.name for m in methods))
                for m in methods:  # a property's getter and setter: one definition
                    _define(module, f"{stmt.name}.{m.name}", m)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                for name in _bound_names(stmt):
                    _define(module, name, stmt)
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self._bind_imports(module, stmt)
            else:
                # if/try/with blocks and calls: their imports bind names; the rest runs on import
                for sub in ast.walk(stmt):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        self._bind_imports(module, sub)
                    elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        module.defs.setdefault(sub.name, stmt)
                    elif isinstance(sub, (ast.Assign, ast.AnnAssign)):
                        for name in _bound_names(sub):
                            module.defs.setdefault(name, stmt)
                if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)):
                    top.append(stmt)
        module.defs[TOP] = ast.Module(body=top, type_ignores=[])
        self.modules[modname] = module

    def _absolute(self, module: Module, level: int, name: str | None) -> str:
        if not level:
            return name or ""
        base = module.name.split(".")
        base = base if module.is_package else base[:-1]
        base = base[: len(base) - (level - 1)]
        return ".".join(base + ([name] if name else []))

    def _bind_imports(self, module: Module, stmt: ast.Import | ast.ImportFrom, into: dict | None = None) -> None:
        """Bind the names an import statement binds (in ``into``: a function's own imports)."""
        into = module.imports if into is None else into
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    into[alias.asname] = self._module_ref(alias.name)
                else:  # ``import a.b`` binds ``a``
                    head = alias.name.split(".")[0]
                    into[head] = self._module_ref(head)
            return
        source = self._absolute(module, stmt.level, stmt.module)
        for alias in stmt.names:
            if alias.name == "*":
                module.star.append(source)
                continue
            local = alias.asname or alias.name
            if f"{source}.{alias.name}" in self.known:
                into[local] = ("module", f"{source}.{alias.name}")
            elif source in self.known:
                into[local] = ("from", source, alias.name)
            else:
                into[local] = ("external", f"{source}.{alias.name}")

    def _module_ref(self, dotted: str) -> tuple:
        return ("module", dotted) if dotted in self.known else ("external", dotted)

    # --- resolution ----------------------------------------------------------------

    def lookup(self, modname: str, name: str, seen: frozenset = frozenset(), local: dict | None = None) -> tuple:
        """What ``name`` in module ``modname`` is (``local``: a function's own imports first):
        ("def", key) | ("module", modname) | ("external", dotted) | ("unknown", modname) (not
        defined there: the whole module) | ("builtin", name) (a builtin or a local name)."""
        module = self.modules[modname]
        if local and name in local:
            ref = local[name]
            return self.lookup(ref[1], ref[2], seen) if ref[0] == "from" else ref
        if name in module.defs and name != TOP:
            return ("def", f"{modname}:{name}")
        if name in module.imports:
            ref = module.imports[name]
            if ref[0] == "from":
                if (ref[1], ref[2]) in seen:
                    return ("unknown", ref[1])
                return self.lookup(ref[1], ref[2], seen | {(ref[1], ref[2])})
            return ref
        if f"{modname}.{name}" in self.modules:  # a submodule imported elsewhere
            return ("module", f"{modname}.{name}")
        for source in module.star:
            if source in self.modules:
                return ("unknown", source)
        return ("builtin", name)

    def _class_of(self, key: str) -> str | None:
        """The class key of a method key ``module:Class.method``."""
        modname, qual = key.split(":")
        return f"{modname}:{qual.split('.')[0]}" if "." in qual else None

    def _class_member(self, class_key: str, attr: str, seen: frozenset = frozenset()) -> list[str]:
        """``Class.attr`` as definitions: the method of the class or of its package bases
        (all of them where several define it: an override and what it overrides)."""
        if class_key in seen:
            return []
        modname, cls = class_key.split(":")
        module = self.modules[modname]
        out = [f"{modname}:{cls}.{attr}"] if f"{cls}.{attr}" in module.defs else []
        for base in module.defs[cls].bases:
            ref = self._expr_ref(modname, base)
            if ref and ref[0] == "def" and self._is_class(ref[1]):
                out += self._class_member(ref[1], attr, seen | {class_key})
        return out

    def _is_class(self, key: str) -> bool:
        modname, qual = key.split(":")
        return isinstance(self.modules[modname].defs.get(qual), ast.ClassDef)

    def _expr_ref(self, modname: str, node: ast.expr, local: dict | None = None) -> tuple | None:
        """What a ``Name`` or ``a.b.c`` attribute chain refers to, as far as it resolves."""
        if isinstance(node, ast.Name):
            return self.lookup(modname, node.id, local=local)
        if isinstance(node, ast.Attribute):
            base = self._expr_ref(modname, node.value, local)
            if base is None:
                return None
            if base[0] == "module":
                return self.lookup(base[1], node.attr) if base[1] in self.modules else None
            if base[0] == "external":
                return ("external", f"{base[1]}.{node.attr}")
            if base[0] == "def" and self._is_class(base[1]):
                return self._member_ref(base[1], node.attr)
            return None
        return None

    def _member_ref(self, class_key: str, attr: str) -> tuple:
        """``Class.attr``: its method(s); else a class attribute or one its instances get in
        ``__init__``: the header and ``__init__``."""
        members = self._class_member(class_key, attr)
        return ("defs", members or [class_key, *self._class_member(class_key, "__init__")])

    def references(self, key: str) -> tuple[set[str], set[str], list[str]]:
        """(definitions, whole modules, names as written) that definition ``key`` uses: a
        named class brings all its methods into the definitions; the names as written are
        what each name used means (a definition by its qualname, a library's name by its
        dotted path, a whole module by its last name)."""
        modname, qual = key.split(":")
        node = self.modules[modname].defs[qual]
        class_key = self._class_of(key) or (key if isinstance(node, ast.ClassDef) else None)
        defs: set[str] = set()
        whole: set[str] = set()
        written: set[str] = set()
        chained = set()  # Name/Attribute nodes inside an attribute chain already resolved
        local: dict[str, tuple] = {}  # the definition's own imports (inside a function)
        for sub in ast.walk(node):
            if isinstance(sub, (ast.Import, ast.ImportFrom)):
                self._bind_imports(self.modules[modname], sub, local)

        def use(ref: tuple | None, expr: ast.expr) -> None:
            if ref is None:
                return
            kind = ref[0]
            if kind == "def" and self._is_class(ref[1]):
                defs.update(self.whole_class(ref[1]))  # a class named: any method may run
            elif kind == "def":
                defs.add(ref[1])
            elif kind == "defs":
                defs.update(ref[1])
            elif kind in ("module", "unknown") and ref[1] in self.modules:
                whole.add(ref[1])  # a module used as a value, or a name it does not define
            if kind in ("def", "defs"):
                written.update(k.split(":")[1] for k in ([ref[1]] if kind == "def" else ref[1]))
            elif kind in ("module", "unknown") and ref[1] in self.modules:
                written.add(f"{ast.unparse(expr)}=module {ref[1].rsplit('.', 1)[-1]}")
            elif kind == "external":
                written.add(f"{ast.unparse(expr)}={ref[1]}")

        for sub in ast.walk(node):
            if sub in chained:
                continue
            if isinstance(sub, ast.Attribute):
                # the longest chain a.b.c: mark its inner parts as handled
                inner = sub.value
                while isinstance(inner, ast.Attribute):
                    chained.add(inner)
                    inner = inner.value
                if isinstance(inner, ast.Name):
                    chained.add(inner)
                    if inner.id in ("self", "cls") and class_key:
                        first = sub
                        while isinstance(first.value, ast.Attribute):
                            first = first.value
                        defs.update(self._class_member(class_key, first.attr))
                        continue
                    use(self._chain_ref(modname, sub, local), sub)
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                use(self.lookup(modname, sub.id, local=local), sub)

        defs.discard(key)
        return defs, whole, sorted(written)

    def _chain_ref(self, modname: str, node: ast.Attribute, local: dict | None = None) -> tuple | None:
        """The deepest resolvable prefix of an attribute chain: ``mod.f.__name__`` → ``mod.f``;
        ``mod.missing`` → the whole ``mod`` ("unknown")."""
        chain = []
        cur: ast.expr = node
        while isinstance(cur, ast.Attribute):
            chain.append(cur)
            cur = cur.value
        ref = self._expr_ref(modname, cur, local)
        for link in reversed(chain):
            if ref is None:
                return None
            if ref[0] == "module" and ref[1] in self.modules:
                found = self.lookup(ref[1], link.attr)
                ref = ("unknown", ref[1]) if found[0] == "builtin" else found
            elif ref[0] == "def" and self._is_class(ref[1]):
                return self._member_ref(ref[1], link.attr)
            elif ref[0] == "external":
                ref = ("external", f"{ref[1]}.{link.attr}")
            else:
                return ref
        return ref

    # --- reachability --------------------------------------------------------------

    def whole_module(self, modname: str) -> set[str]:
        return {f"{modname}:{q}" for q in self.modules[modname].defs}

    def whole_class(self, class_key: str) -> set[str]:
        modname, cls = class_key.split(":")
        return {class_key} | {f"{modname}:{cls}.{m}" for m in self.modules[modname].methods.get(cls, [])}

    def reachable(self, roots: Iterable[str], exempt: Iterable[str] = ()) -> set[str]:
        """Every definition reached from ``roots``: keys (a class: all of it), ``module:*`` for
        a whole module.  A key ``module:Class`` in the result is the class's header; its
        methods are keys of their own.  Definitions whose qualname is in ``exempt`` are
        neither reached nor followed."""
        exempt = set(exempt)
        todo: list[str] = []
        self.reached_from: dict[str, str] = {}
        for root in roots:
            modname, qual = root.split(":")
            if qual == "*":
                todo += sorted(self.whole_module(modname))
            else:
                todo += sorted(self.whole_class(root)) if self._is_class(root) else [root]
        seen: set[str] = set()
        while todo:
            key = todo.pop()
            if key in seen or key.split(":")[1] in exempt:
                continue
            seen.add(key)
            modname, qual = key.split(":")
            todo.append(f"{modname}:{TOP}")
            if "." in qual:  # a method: its class's header and __init__ (an instance was made)
                class_key = f"{modname}:{qual.split('.')[0]}"
                todo += [class_key, *self._class_member(class_key, "__init__")]
            defs, whole, _ = self.references(key)
            found = sorted(defs) + [k for w in sorted(whole) for k in sorted(self.whole_module(w))]
            for k in found:
                self.reached_from.setdefault(k, key)
            todo += found
        return seen

    def path_to(self, key: str) -> list[str]:
        """How :meth:`reachable` reached ``key``: the chain of definitions from a root."""
        chain = [key]
        while chain[-1] in self.reached_from and len(chain) < 50:
            chain.append(self.reached_from[chain[-1]])
        return chain[::-1]

    # --- meaning -------------------------------------------------------------------

    def meaning(self, key: str) -> str:
        """What can change a result in definition ``key``: its syntax without docstrings (no
        comments or layout) and what each name it uses from elsewhere is: a definition by
        its name (not its module: moving it changes nothing), a library's name by its dotted
        path."""
        modname, qual = key.split(":")
        node = self.modules[modname].defs[qual]
        return ast.dump(node, annotate_fields=False) + "\n" + "\n".join(self.references(key)[2])

    def find(self, qual: str) -> list[str]:
        """The keys of every definition called ``qual`` (``name`` or ``Class.method``)."""
        return [f"{m}:{qual}" for m, module in self.modules.items() if qual in module.defs]


def changed(now: Package, before: Package, keys: Iterable[str]) -> list[str]:
    """The definitions among ``keys`` (of ``now``) whose meaning differs from ``before``'s: the
    same key there, else a definition of the same name elsewhere in ``before`` (a moved
    definition is unchanged if it is the same), else new."""
    out = []
    for key in sorted(keys):
        modname, qual = key.split(":")
        mine = now.meaning(key)
        if modname in before.modules and qual in before.modules[modname].defs:
            if before.meaning(key) != mine:
                out.append(key)
        elif not any(before.meaning(other) == mine for other in before.find(qual)):
            out.append(f"{key} (new)")
    return out


# --- the workflow's entry points --------------------------------------------------------

_RULE = re.compile(r"^(\s*)rule (\w+):\s*$", re.M)


def rule_blocks(text: str) -> dict[str, str]:
    """Rule name → the text of its block in a Snakemake rule file."""
    lines = text.splitlines()
    out = {}
    for k, line in enumerate(lines):
        m = _RULE.match(line)
        if not m:
            continue
        indent = len(m.group(1))
        end = k + 1
        while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
            end += 1
        out[m.group(2)] = "\n".join(lines[k + 1 : end])
    return out


def section(block: str, directive: str) -> str:
    """The text of one directive (``params``, ``script``) of a rule block."""
    lines = block.splitlines()
    for k, line in enumerate(lines):
        if line.strip() == f"{directive}:" or line.strip().startswith(f"{directive}: "):
            indent = len(line) - len(line.lstrip())
            body = [line.split(":", 1)[1]]
            for rest in lines[k + 1 :]:
                if rest.strip() and len(rest) - len(rest.lstrip()) <= indent:
                    break
                body.append(rest)
            return "\n".join(body)
    return ""


def workflow_modules(repo: str | Path, rules: Iterable[str], strict: bool = True) -> tuple[dict[str, str], list[str]]:
    """The entry points of ``rules`` (names of rules in ``repo``'s ``workflow/rules/*.smk``) as
    extra modules for :class:`Package` and their root keys: each rule's script
    (``scripts.<name>``, run whole) and its ``params:`` (``rules.<rule>``: the parameters a
    job is given, computed by the objects the rule files build, such as ``PLAN``)."""
    repo = Path(repo)
    files = sorted((repo / "workflow/rules").glob("*.smk"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    imports, functions, instances = [], [], {}
    for text in texts:
        # the rule files' own functions (plain Python at column 0): params may call them
        functions += re.findall(r"^def \w+\(.*?(?=^\S)", text + "\n#", re.M | re.S)
        for line in text.splitlines():
            stripped = line.strip()
            if re.match(r"(from \S+ import [\w ,]+|import [\w., ]+)$", stripped):
                imports.append(stripped)
    bound = {(a.asname or a.name).split(".")[0] for i in imports for a in ast.parse(i).body[0].names}
    bound |= {re.match(r"def (\w+)", f).group(1) for f in functions}
    for text in texts:
        for name, cls in re.findall(r"^\s*(\w+)\s*=\s*([\w.]+)\(", text, re.M):
            if cls.split(".")[0] in bound:
                instances[name] = cls  # PLAN = Plan(...): PLAN.x is Plan.x
    modules, roots, wanted = {}, [], set(rules)
    for file, text in zip(files, texts):
        for rule, block in rule_blocks(text).items():
            if rule not in wanted:
                continue
            wanted.discard(rule)
            script = re.search(r"[\"']([^\"']+\.py)[\"']", section(block, "script"))
            assert script or not strict, f"rule {rule} runs no script: the walk cannot follow it"
            if script:
                path = (file.parent / script.group(1)).resolve()
                name = f"scripts.{path.stem}"
                modules[name] = path.read_text(encoding="utf-8")
                roots.append(f"{name}:{TOP}")
            params = section(block, "params")
            for instance, cls in instances.items():
                params = re.sub(rf"\b{instance}\.", f"{cls}.", params)
            # a name the walk cannot resolve would hide what the parameters call
            unknown = set(re.findall(r"(?<![.\w])([A-Za-z_]\w*)\s*[.(]", params)) - bound - {"wc", "lambda"}
            unknown -= set(dir(builtins))
            assert not (strict and unknown), f"rule {rule}: params use {sorted(unknown)}, unknown to the walk"
            modules[f"rules.{rule}"] = "\n\n".join(
                ["\n".join(imports), *functions, f"def params():\n    return dict(\n{params}\n    )\n"]
            )
            roots.append(f"rules.{rule}:params")
    assert not (strict and wanted), f"no rule {sorted(wanted)} in workflow/rules"
    return modules, roots
