/** Public face of the model layer: descriptors in, plain view models out. */
export { buildFileModel, CLIENT_FILE_SUFFIX } from "./build-model.js";
export { createCommentIndex } from "./comments.js";
export type { CommentIndex } from "./comments.js";
export type {
  FileModel,
  FlatModel,
  MethodModel,
  OverloadModel,
  ParamModel,
  ServiceModel,
  TypeExpr,
  TypePart,
  TypeRef,
} from "./view-model.js";
