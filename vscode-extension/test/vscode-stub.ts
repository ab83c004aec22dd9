/**
 * A small stand-in for the `vscode` module, so the extension's modules load under plain Node.
 * Importing this file installs it: `require('vscode')` then returns `vscode` below. It covers
 * only what the tested modules touch; QuickPick and InputBox record what they were given and
 * let a test drive them (accept, hide, type).
 */
import Module from 'node:module';

type Listener<T> = (value: T) => void;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): { dispose(): void } => {
    this.listeners.push(listener);
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  };
  fire(value: T): void {
    [...this.listeners].forEach((l) => {
      l(value);
    });
  }
  get size(): number {
    return this.listeners.length;
  }
  dispose(): void {
    this.listeners = [];
  }
}

/** Fires with each QuickPick or InputBox when it is shown, set up and ready for the user. */
export const onPrompt = new EventEmitter<FakeQuickInput>();

export class FakeQuickInput {
  title: string | undefined;
  step: number | undefined;
  totalSteps: number | undefined;
  placeholder: string | undefined;
  ignoreFocusOut = false;
  shown = false;
  disposed = false;
  readonly acceptEmitter = new EventEmitter<void>();
  readonly hideEmitter = new EventEmitter<void>();
  readonly onDidAccept = this.acceptEmitter.event;
  readonly onDidHide = this.hideEmitter.event;
  show(): void {
    this.shown = true;
    onPrompt.fire(this);
  }
  hide(): void {
    this.hideEmitter.fire();
  }
  dispose(): void {
    this.disposed = true;
  }
  /** The user presses Enter. */
  accept(): void {
    this.acceptEmitter.fire();
  }
}

export interface Item {
  id: string;
  label: string;
  detail?: string;
  picked?: boolean;
  kind?: number;
}

export class FakeQuickPick extends FakeQuickInput {
  canSelectMany = false;
  matchOnDetail = false;
  items: Item[] = [];
  selectedItems: Item[] = [];
  activeItems: Item[] = [];
  readonly selectionEmitter = new EventEmitter<Item[]>();
  readonly onDidChangeSelection = this.selectionEmitter.event;
  /** The user toggles to exactly these ids (multi) or moves onto this id (single). */
  choose(...ids: string[]): void {
    const chosen = this.items.filter((i) => ids.includes(i.id));
    if (this.canSelectMany) {
      this.selectedItems = chosen;
      this.selectionEmitter.fire(chosen);
    } else {
      this.activeItems = chosen;
    }
  }
}

export class FakeInputBox extends FakeQuickInput {
  value = '';
  prompt: string | undefined;
  password = false;
  validationMessage: string | undefined;
  readonly valueEmitter = new EventEmitter<string>();
  readonly onDidChangeValue = this.valueEmitter.event;
  /** The user types `value` (replacing what was there). */
  type(value: string): void {
    this.value = value;
    this.valueEmitter.fire(value);
  }
}

export class CancellationTokenSource {
  private readonly emitter = new EventEmitter<void>();
  isCancellationRequested = false;
  readonly token = {
    isCancellationRequested: false,
    onCancellationRequested: this.emitter.event,
  };
  cancel(): void {
    this.isCancellationRequested = true;
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
}

export class FakeStatusBarItem {
  text = '';
  tooltip: string | undefined;
  name: string | undefined;
  command: string | undefined;
  backgroundColor: unknown;
  visible = false;
  constructor(
    readonly id: string,
    readonly alignment: number,
    readonly priority: number,
  ) {}
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  dispose(): void {
    this.visible = false;
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  get fsPath(): string {
    return this.path;
  }
  static file(path: string): Uri {
    return new Uri('file', path);
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, [base.path, ...parts].join('/'));
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

export class ThemeColor {
  constructor(readonly id: string) {}
}

/** What the last `createQuickPick` / `createInputBox` / `createStatusBarItem` call returned. */
export const created: {
  quickPick?: FakeQuickPick;
  inputBox?: FakeInputBox;
  statusBarItem?: FakeStatusBarItem;
} = {};

/** Extensions `vscode.extensions.getExtension` knows about; tests add fakes here. */
export const installedExtensions = new Map<string, unknown>();

function* emptyIterator(): Generator<never> {
  /* nothing to iterate */
}

/**
 * A stand-in for any API the tests do not model: callable, constructible, every property is
 * another one, awaiting it gives itself. Enough for vscode-languageclient to load and run.
 */
export function anything(name: string): unknown {
  const target = function () {
    /* a stand-in */
  };
  return new Proxy(target, {
    get(_t, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.toPrimitive) return () => name;
      if (prop === Symbol.iterator) return emptyIterator;
      if (prop === 'prototype') return Object.prototype;
      return anything(`${name}.${String(prop)}`);
    },
    apply: () => anything(`${name}()`),
    construct: () => ({}),
  });
}

/** `obj`, with `anything` for every property it lacks (nested plain objects likewise). */
function withFallback<T extends object>(obj: T, name: string): T {
  return new Proxy(obj, {
    get(target, prop, receiver) {
      if (prop in target) {
        const value: unknown = Reflect.get(target, prop, receiver);
        const plain = typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
        return plain ? withFallback(value, `${name}.${String(prop)}`) : value;
      }
      if (typeof prop === 'symbol' || prop === 'then' || prop === '__esModule') return undefined;
      return anything(`${name}.${prop}`);
    },
  });
}

/** Parts of the API a test fills in (workspace folders, configuration, commands, messages). */
export const api: Record<string, Record<string, unknown>> = {
  window: {
    createQuickPick: (): FakeQuickPick => (created.quickPick = new FakeQuickPick()),
    createInputBox: (): FakeInputBox => (created.inputBox = new FakeInputBox()),
    createStatusBarItem: (id: string, alignment: number, priority: number): FakeStatusBarItem =>
      (created.statusBarItem = new FakeStatusBarItem(id, alignment, priority)),
  },
  workspace: {},
  commands: {},
  languages: {},
  env: { appName: 'Visual Studio Code', language: 'en', uiKind: 1 },
  extensions: {
    getExtension: (id: string): unknown => installedExtensions.get(id),
  },
};

export const vscode = withFallback(
  {
    version: '1.82.0',
    EventEmitter,
    CancellationTokenSource,
    ThemeColor,
    Uri,
    StatusBarAlignment: { Left: 1, Right: 2 },
    QuickPickItemKind: { Separator: -1, Default: 0 },
    ...api,
  },
  'vscode',
);

/** Let the promise callbacks queued so far run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const originalLoad = loader._load;
loader._load = function (request: string, ...rest: unknown[]): unknown {
  return request === 'vscode' ? vscode : originalLoad.call(this, request, ...rest);
};
