// Which widgets the frontend gives a node class, in order, so `widgets_values[i]` can be named.
// The frontend makes one widget for every input whose type it has a widget for (required inputs,
// then optional, in /object_info order), and adds widgets of its own that occupy a slot in
// `widgets_values` but never reach the prompt (`options.serialize === false`):
// - `control_after_generate` after an INT input that has `control_after_generate` in its options,
//   or is named seed/noise_seed (a legacy rule); after a COMBO with that option, the control and
//   a `control_filter_list` string;
// - `upload` (a button whose value is "image") after the required inputs of a node with an
//   image/video upload combo.
import type { InputSpec, NodeInfo } from '../../objectInfo';

export interface WidgetSlot {
  name: string;
  /** False for the frontend's own widgets, which are saved in the workflow but not sent. */
  toPrompt: boolean;
  /** The input's spec, for the widgets that are inputs. */
  spec?: InputSpec;
}

/** Input types the frontend draws as widgets (its ComfyWidgets table); others are sockets. */
const WIDGET_TYPES = new Set([
  'INT',
  'FLOAT',
  'BOOLEAN',
  'STRING',
  'MARKDOWN',
  'COMBO',
  'IMAGEUPLOAD',
  'COLOR',
  'IMAGECOMPARE',
  'BOUNDING_BOX',
  'CHART',
  'GALLERIA',
  'PAINTER',
  'COMPOSITOR',
  'TEXTAREA',
  'CURVE',
  'RANGE',
  'VIDEO_EDIT',
  'RESOLUTION_PREVIEW',
  'BOUNDING_BOXES',
  'COLORS',
]);

/** A multi-type input (`FLOAT,INT`) gets the widget its `widgetType` option names. */
export function isWidgetInput(spec: InputSpec): boolean {
  const type = spec[1]?.widgetType ?? spec[0];
  return Array.isArray(type) || WIDGET_TYPES.has(String(type));
}

function isCombo(spec: InputSpec): boolean {
  return Array.isArray(spec[0]) || spec[0] === 'COMBO';
}

const isUploadCombo = (spec: InputSpec) => {
  const o = spec[1] ?? {};
  return isCombo(spec) && (o.image_upload === true || o.video_upload === true || o.animated_image_upload === true);
};

/** A control widget's name: the option's string value when it names one, else a prefixed default. */
function controlName(spec: InputSpec, key: string): string {
  const o = spec[1] ?? {};
  if (typeof o[key] === 'string' && key !== 'control_after_generate') return o[key] as string;
  return typeof o.control_prefix === 'string' ? `${o.control_prefix} ${key}` : key;
}

/** The widgets one input adds: its own, then any control widgets. */
export function widgetsOfInput(name: string, spec: InputSpec): WidgetSlot[] {
  if (!isWidgetInput(spec)) return [];
  const slots: WidgetSlot[] = [{ name, toPrompt: true, spec }];
  const cag = spec[1]?.control_after_generate;
  if (spec[0] === 'INT' && (cag ?? ['seed', 'noise_seed'].includes(name))) {
    slots.push({ name: controlName(spec, 'control_after_generate'), toPrompt: false });
  } else if (isCombo(spec) && cag) {
    slots.push({ name: controlName(spec, 'control_after_generate'), toPrompt: false });
    slots.push({ name: controlName(spec, 'control_filter_list'), toPrompt: false });
  }
  return slots;
}

/** Every widget of a class, in the order of its `widgets_values`. */
export function widgetLayout(info: NodeInfo): WidgetSlot[] {
  const required = Object.entries(info.input?.required ?? {});
  const optional = Object.entries(info.input?.optional ?? {});
  const slots = required.flatMap(([name, spec]) => widgetsOfInput(name, spec));
  if (required.some(([, spec]) => isUploadCombo(spec))) slots.push({ name: 'upload', toPrompt: false });
  return [...slots, ...optional.flatMap(([name, spec]) => widgetsOfInput(name, spec))];
}
