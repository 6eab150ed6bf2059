// The 3D view: GPU volume rendering of the image (vtk.js), window/level and opacity presets, and
// the prediction (or, before any training, the painted labels) as surfaces from marching cubes,
// each class in its colour. Physical spacing goes into the vtkImageData, so anisotropic stacks keep their
// true proportions. In instance mode the objects get one surface, each vertex in its object's
// colour (api.ts instanceColor, as in the slice views).
import '@kitware/vtk.js/Rendering/Profiles/Volume';
import '@kitware/vtk.js/Rendering/Profiles/Geometry';
import vtkGenericRenderWindow from '@kitware/vtk.js/Rendering/Misc/GenericRenderWindow';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkVolume from '@kitware/vtk.js/Rendering/Core/Volume';
import vtkVolumeMapper from '@kitware/vtk.js/Rendering/Core/VolumeMapper';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction';
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction';
import vtkImageMarchingCubes from '@kitware/vtk.js/Filters/General/ImageMarchingCubes';
import vtkActor from '@kitware/vtk.js/Rendering/Core/Actor';
import vtkMapper from '@kitware/vtk.js/Rendering/Core/Mapper';

export type Preset = 'fluorescence' | 'mri';

/** opacity/colour ramps over the window [low, high], as fractions of it */
const PRESETS: Record<Preset, { color: [number, number, number, number][]; opacity: [number, number][] }> = {
  // bright sparse structures on a dark background: the dark half fully transparent
  fluorescence: {
    color: [[0, 0, 0, 0], [0.35, 0.1, 0.45, 0.1], [0.7, 0.45, 0.95, 0.35], [1, 1, 1, 0.85]],
    opacity: [[0, 0], [0.3, 0], [0.6, 0.25], [1, 0.7]],
  },
  // soft tissue: a gentle ramp in greys
  mri: {
    color: [[0, 0, 0, 0], [0.5, 0.55, 0.5, 0.45], [1, 1, 0.97, 0.92]],
    opacity: [[0, 0], [0.15, 0], [0.5, 0.08], [1, 0.35]],
  },
};

export interface View3D {
  setImage(data: ArrayLike<number> & { length: number }, shape: [number, number, number], spacing: [number, number, number]): void;
  setWindow(low: number, high: number, preset: Preset): void;
  /** labelled regions as surfaces, each vertex in the colour of its voxel's value (colorOf; 0 = nothing); null hides them */
  setSurfaces(values: Uint8Array | Uint16Array | Uint32Array | null, colorOf: (value: number) => [number, number, number]): void;
  resize(): void;
  render(): void;
  dispose(): void;
}

export function createView3D(container: HTMLElement): View3D {
  const grw = vtkGenericRenderWindow.newInstance({ background: [0.05, 0.06, 0.08] });
  grw.setContainer(container);
  grw.resize();
  const renderer = grw.getRenderer();
  const renderWindow = grw.getRenderWindow();

  const image = vtkImageData.newInstance();
  const mapper = vtkVolumeMapper.newInstance();
  mapper.setSampleDistance(0.5);
  mapper.setInputData(image);
  const volume = vtkVolume.newInstance();
  volume.setMapper(mapper);
  const ctf = vtkColorTransferFunction.newInstance();
  const otf = vtkPiecewiseFunction.newInstance();
  volume.getProperty().setRGBTransferFunction(0, ctf);
  volume.getProperty().setScalarOpacity(0, otf);
  volume.getProperty().setInterpolationTypeToLinear();

  const objectMask = vtkImageData.newInstance();
  const objectCubes = vtkImageMarchingCubes.newInstance({ contourValue: 0.5, computeNormals: true, mergePoints: true });
  objectCubes.setInputData(objectMask);
  const objectMapper = vtkMapper.newInstance();
  objectMapper.setScalarVisibility(true);
  objectMapper.setScalarModeToUsePointData();
  objectMapper.setColorModeToDirectScalars();
  const objectsActor = vtkActor.newInstance();
  objectsActor.setMapper(objectMapper);
  objectsActor.getProperty().setOpacity(0.85);

  let hasImage = false, hasObjects = false;
  let shape: [number, number, number] = [1, 1, 1];
  let spacing: [number, number, number] = [1, 1, 1];

  return {
    setImage(data, s, sp) {
      // the camera is placed for a new volume only: updates of the same volume (a retrained
      // prediction, new labels) keep the user's view
      const sameGeometry = hasImage && s.every((v, i) => v === shape[i]) && sp.every((v, i) => v === spacing[i]);
      shape = s; spacing = sp;
      image.setDimensions(s[2], s[1], s[0]);
      image.setSpacing([sp[2], sp[1], sp[0]]);
      image.getPointData().setScalars(vtkDataArray.newInstance({ name: 'image', numberOfComponents: 1, values: data as unknown as Float32Array }));
      image.modified();
      if (!hasImage) {
        renderer.addVolume(volume);
        hasImage = true;
      }
      if (sameGeometry) return;
      renderer.resetCamera();
      const cam = renderer.getActiveCamera();
      cam.elevation(-55);
      cam.azimuth(20);
      cam.orthogonalizeViewUp();
      renderer.resetCamera();
      cam.zoom(1.05);
      renderer.resetCameraClippingRange();
    },
    setWindow(low, high, preset) {
      const p = PRESETS[preset];
      const at = (f: number) => low + (high - low) * f;
      ctf.removeAllPoints();
      for (const [f, r, g, b] of p.color) ctf.addRGBPoint(at(f), r, g, b);
      otf.removeAllPoints();
      for (const [f, o] of p.opacity) otf.addPoint(at(f), o);
      // scale opacity with the physical voxel size so thin stacks are not see-through
      volume.getProperty().setScalarOpacityUnitDistance(0, Math.max(0.5, Math.min(...spacing)) * 1.5);
    },
    setSurfaces(ids, colorOf) {
      if (!ids || !ids.some((v) => v > 0)) {
        if (hasObjects) { renderer.removeActor(objectsActor); hasObjects = false; }
        return;
      }
      const [D, H, W] = shape;
      // a single image gets an empty slice either side, so its objects close into flat surfaces
      const pad = D === 1 ? 1 : 0, d = D + 2 * pad;
      const f = new Float32Array(d * H * W);
      for (let i = 0; i < ids.length; i++) if (ids[i]! > 0) f[i + pad * H * W] = 1;
      objectMask.setDimensions(W, H, d);
      objectMask.setSpacing([spacing[2], spacing[1], spacing[0]]);
      objectMask.setOrigin([0, 0, -pad * spacing[0]]);
      objectMask.getPointData().setScalars(vtkDataArray.newInstance({ name: 'objects', numberOfComponents: 1, values: f }));
      objectMask.modified();
      objectCubes.modified();
      objectCubes.update();
      const poly = objectCubes.getOutputData();
      const pts = poly.getPoints().getData() as Float32Array;
      const rgb = new Uint8Array((pts.length / 3) * 3);
      // each vertex lies between an object voxel and an empty one: take the object's id
      const idAt = (z: number, y: number, x: number) => (z >= 0 && y >= 0 && x >= 0 && z < D && y < H && x < W ? ids[(z * H + y) * W + x]! : 0);
      for (let p = 0; p < pts.length / 3; p++) {
        const fx = pts[3 * p]! / spacing[2], fy = pts[3 * p + 1]! / spacing[1], fz = pts[3 * p + 2]! / spacing[0];
        let id = 0;
        for (const z of [Math.round(fz), Math.floor(fz), Math.ceil(fz)]) {
          for (const y of [Math.floor(fy), Math.ceil(fy)]) for (const x of [Math.floor(fx), Math.ceil(fx)]) { id = idAt(z, y, x); if (id) break; }
          if (id) break;
        }
        const [r, g, b] = id ? colorOf(id) : [200, 200, 200];
        rgb[3 * p] = r; rgb[3 * p + 1] = g; rgb[3 * p + 2] = b;
      }
      poly.getPointData().setScalars(vtkDataArray.newInstance({ name: 'colors', numberOfComponents: 3, values: rgb }));
      objectMapper.setInputData(poly);
      if (!hasObjects) { renderer.addActor(objectsActor); hasObjects = true; }
      // the volume's bounds, not the surface's, set the clipping range: nothing is cut away
      renderer.resetCameraClippingRange(volume.getBounds());
    },
    resize() { grw.resize(); },
    render() { renderWindow.render(); },
    dispose() { grw.delete(); },
  };
}
