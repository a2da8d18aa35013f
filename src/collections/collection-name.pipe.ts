import { Injectable, PipeTransform } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { COLLECTION_NAME, COLLECTION_NAME_MESSAGE } from '../common/collection';

/** Rejects a malformed collection name in the path with the usual VALIDATION_FAILED body. */
@Injectable()
export class CollectionNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!COLLECTION_NAME.test(value)) {
      throw new AppError(ErrorCode.ValidationFailed, 'Request is invalid', [{ field: 'name', messages: [COLLECTION_NAME_MESSAGE] }]);
    }
    return value;
  }
}
