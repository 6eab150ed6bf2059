declare module '@kitware/vtk.js/Filters/General/ImageMarchingCubes';
