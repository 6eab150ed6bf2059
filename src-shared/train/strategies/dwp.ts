// Deep Weight Prior training (Kuzina, Egorov, Burnaev): the target network's 3×3(×3) kernels are
// trained variationally against a prior learned from source models' kernels, which pulls them
// towards kernel shapes that worked before while the few labels decide the rest.
import { Graph } from '../../nn/graph.ts';
import { buildUNet } from '../../nn/unet.ts';
import { LumenError } from '../../errors.ts';
import type { Strategy } from '../strategy.ts';
import { weightPriorExtension } from '../dwp/prior.ts';
import { classesOf } from '../dataset.ts';
import { trainOnLabels } from './scratch.ts';
import { defaultModel, forClasses } from './networks.ts';

export const deepWeightPrior: Strategy = async (data, options, ctx) => {
  const prior = options.weightPrior;
  if (!prior) throw new LumenError('bad-input', 'the dwp strategy needs a weight prior fitted on source models (a .dwp file from `npm run pretrain`)');
  const model = forClasses(options.pretrained?.config ?? defaultModel(data), undefined, classesOf(data)).model;
  const kernel = model.dims === 3 ? 27 : 9;
  if (prior.size !== kernel) throw new LumenError('shape-mismatch', `the weight prior models ${prior.size}-value kernels, this ${model.dims}D network has ${kernel}`);
  const probe = new Graph();
  const [d, h, w] = data[0]!.shape;
  const specs = buildUNet(probe, probe.input('image', model.dims === 3 ? [1, model.inChannels, d, h, w] : [1, model.inChannels, h, w]), model).scope.specs;
  const labeled = data.reduce((n, v) => n + v.labels.reduce((c, l) => c + (l > 0 ? 1 : 0), 0), 0);
  const extension = weightPriorExtension(prior, specs, { beta: 1 / labeled, seed: options.seed });
  const r = await trainOnLabels(data, { model, extension, strategy: 'dwp' }, options, ctx);
  // the posterior means under the usual names are the model; the ρ's are training state only
  const params = new Map([...r.model.params].filter(([name]) => !name.endsWith('.rho')));
  return { model: { ...r.model, params }, report: { ...r.report, priorGroups: [...prior.groups.keys()], klWeight: 1 / labeled } };
};
