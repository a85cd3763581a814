/** Public face of the model layer: descriptors in, plain view models out. */
export { buildFileModel, CLIENT_FILE_SUFFIX } from "./build-model.js";
export { createCommentIndex } from "./comments.js";
export { buildSdkImports, type SdkImportModel } from "./sdk-imports.js";
export type { CommentIndex } from "./comments.js";
export type {
  ApiModel,
  BaseModel,
  Code,
  CodeRef,
  FileModel,
  GatewayProxyModel,
  ImplementationModel,
  MethodModel,
  OverloadModel,
  ParamModel,
  PubsubModel,
  RouteModel,
  ServiceModel,
  TypeExpr,
  TypePart,
  TypeRef,
} from "./view-model.js";
